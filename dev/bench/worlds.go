package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/config"
	"statusedge/internal/harness"
	"statusedge/internal/harness/stack"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
	"statusedge/nginx"
)

// worldsInterval is the refresh interval of the worlds bench (the 10 s).
const worldsInterval = 10

// worldsIntervals is how many intervals the snapshotter's CPU is measured over.
const worldsIntervals = 6

// runWorlds measures n worlds from one deployment, each with its own schema and game
// server, at a 10-s interval: the snapshotter's CPU per interval, its RSS, the files in
// STATUS_DIR, and one world's public file path against the bare ceiling, interleaved.
func runWorlds(ctx context.Context, n int, dir, bin string, dur, rounds, conns, threads int, merge string, stdout io.Writer) error {
	ids := make([]string, n)
	var file strings.Builder
	file.WriteString("worlds:\n")
	for i := range ids {
		ids[i] = fmt.Sprintf("w%02d", i+1)
		g, err := harness.StartGameServer(true)
		if err != nil {
			return err
		}
		defer g.Close()
		fmt.Fprintf(&file, "  - {id: %s, name: {en: \"World %d\", ru: \"Мир %d\"}, database: {schema: tz_%s}, game_server: {addr: [\"%s\"]}, players_query: \"SELECT COUNT(*) FROM characters WHERE online = 1\"}\n",
			ids[i], i+1, i+1, ids[i], g.Addr)
	}
	worldsFile := filepath.Join(dir, "worlds.yml")
	if err := os.WriteFile(worldsFile, []byte(file.String()), 0o600); err != nil {
		return err
	}
	layout := snapshot.WorldLayout(ids[0])
	bare, err := newBare(dir, nginx.DocDir(filepath.Join(dir, "status"), layout.StatusDoc), layout.StatusDoc, worldsInterval)
	if err != nil {
		return err
	}
	// The default TTL (15 min): a document's names cover its window, so the TTL sets the
	// count of files.
	s, err := stack.Start(ctx, stack.Config{Dir: dir, Bin: bin, Interval: worldsInterval, TTL: int(config.DefaultTTL / time.Second),
		NginxExtra: bare.server, Env: map[string]string{"STATUS_WORLDS_FILE": worldsFile, "STATUS_PROBE_INTERVAL": strconv.Itoa(worldsInterval)}})
	if err != nil {
		return err
	}
	defer s.Stop()
	seed, err := harness.DemoSeed()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.MariaDB.CreateDB(ctx, "tz_"+id, seed); err != nil {
			return err
		}
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.Redis.Addr()})
	defer rdb.Close()
	perWorld, err := fillHistory(ctx, rdb, ids, time.Now())
	if err != nil {
		return err
	}
	if err := s.StartSnapshotter(); err != nil {
		return err
	}
	// Every world published once: the start's reads are behind it.
	deadline := time.Now().Add(60 * time.Second)
	for {
		missing := slices.DeleteFunc(slices.Clone(ids), func(id string) bool {
			_, err := os.Stat(filepath.Join(s.StatusDir, snapshot.WorldLayout(id).StatusFile))
			return err == nil
		})
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("worlds %v not published within a minute:\n%s", missing, s.Logs("snapshotter"))
		}
		time.Sleep(100 * time.Millisecond) // polls the files; the snapshotter has no signal to wait on
	}
	pid := s.Snapshotter.Pid()
	cpu0, err := cpuSeconds(pid)
	if err != nil {
		return err
	}
	start := time.Now()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(worldsIntervals * worldsInterval * time.Second): // the measured span itself
	}
	cpu1, err := cpuSeconds(pid)
	if err != nil {
		return err
	}
	intervals := time.Since(start).Seconds() / worldsInterval
	files := 0
	if err := filepath.WalkDir(s.StatusDir, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files++
		}
		return err
	}); err != nil {
		return err
	}
	data, _, err := layout.ReadFile(s.StatusDir)
	if err != nil {
		return err
	}
	snap, err := worldstate.Read(data)
	if err != nil {
		return err
	}
	if err := bare.fill(data, snap.UpdatedAt); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "\nworlds: %d worlds (own schema, game server probed every %d s, players query), interval %d s, TTL %v\n", n, worldsInterval, worldsInterval, config.DefaultTTL)
	fmt.Fprintf(stdout, "  snapshotter CPU: %.3f s per interval (%.1f%% of one core), over %.1f intervals\n",
		(cpu1-cpu0)/intervals, 100*(cpu1-cpu0)/time.Since(start).Seconds(), intervals)
	fmt.Fprintf(stdout, "  snapshotter RSS: %.1f MB now, %.1f MB peak\n", float64(rss(pid, "VmRSS:"))/1e6, float64(peakRSS(pid))/1e6)
	fmt.Fprintf(stdout, "  files in STATUS_DIR: %d (%.1f per world)\n", files, float64(files)/float64(n))
	builds, err := historyBuild(ctx, s.Env["SNAPSHOTTER_ADDR"], 5, 10*time.Second)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  history: 90 days a world, %d B of Redis per world (MEMORY USAGE); a pass reading and building all %d worlds' documents: median %.1f ms [%.1f-%.1f] over %d passes\n",
		perWorld, n, builds[len(builds)/2], builds[0], builds[len(builds)-1], len(builds))

	paths := []path{
		{name: "1 ceiling: bare try_files+expires", url: bare.url},
		{name: "2 one world's status, file path", url: s.PublicURL() + layout.StatusURL()},
	}
	rows := make([]row, len(paths))
	d := time.Duration(dur) * time.Second
	for round := 1; round <= rounds; round++ {
		for i, p := range paths {
			r, err := runWrk(ctx, p.url, d, conns, threads)
			if err != nil {
				return err
			}
			if r.Non2xx > 0 {
				return fmt.Errorf("%s: %d answers not 2xx", p.url, r.Non2xx)
			}
			rows[i].Name, rows[i].Rounds = p.name, append(rows[i].Rounds, r)
		}
	}
	var ratios []float64
	for r := range rows[1].Rounds {
		ratios = append(ratios, rows[1].Rounds[r].RPS/rows[0].Rounds[r].RPS)
	}
	for _, r := range rows {
		m := medianResult(r.Rounds)
		fmt.Fprintf(stdout, "  %-38s %10.0f req/s  p50 %.3f ms  p99 %.3f ms\n", r.Name, m.RPS, m.P50ms, m.P99ms)
	}
	fmt.Fprintf(stdout, "  file path vs ceiling: median %.2f [%.2f-%.2f] over %d interleaved rounds\n", median(ratios), slices.Min(ratios), slices.Max(ratios), rounds)
	if merge != "" {
		rep, err := readReport(merge)
		if err != nil {
			return err
		}
		for i := range rows {
			rows[i].Median = medianResult(rows[i].Rounds)
		}
		printSummary(stdout, rep, rows)
	}
	return nil
}

// cpuSeconds is a process's user plus system CPU time so far.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	const ticks = 100 // USER_HZ on Linux
	return (utime + stime) / ticks, nil
}

// rss reads one field (VmRSS:, VmHWM:) of a process's status, in bytes.
func rss(pid int, field string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

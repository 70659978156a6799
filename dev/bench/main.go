// Command bench measures statusedge against a bare nginx (the ceiling) and the naive
// design (a SELECT per request), in one run on one machine, so the ratios hold on a
// noisy box. `make bench`; BENCH_DURATION (seconds) and BENCH_CONNECTIONS adjust it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"time"

	"statusedge/internal/config"
	"statusedge/internal/harness"
	"statusedge/internal/harness/stack"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
	"statusedge/nginx"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// row is one measured path over every round.
type row struct {
	Name   string      `json:"name"`
	URL    string      `json:"url"`
	Rounds []wrkResult `json:"rounds"`
	Median wrkResult   `json:"median"` // per-field medians over the rounds
	// VsCeil is the median over rounds of this path's req/s over the ceiling's in the same
	// round: rounds are interleaved, so each ratio compares runs minutes apart at most.
	VsCeil      float64    `json:"rps_vs_ceiling_median"`
	VsCeilRange [2]float64 `json:"rps_vs_ceiling_range"`
	VsRoot      float64    `json:"rps_vs_root_only_median"`
	Selects     int        `json:"mysql_selects"`
	// RedisErrors are the origin's Redis reads that failed (deadline or error) and fell
	// over to MySQL: what explains a SELECT during an origin-path run.
	RedisErrors int `json:"origin_redis_errors"`
	// OriginRequests reached the origin during the rounds: under the degraded path, the
	// micro-cache's refreshes (at most one a second).
	OriginRequests int     `json:"origin_requests"`
	VsNaive        float64 `json:"rps_vs_naive"`
	P50x           float64 `json:"p50_vs_naive"`
	P99x           float64 `json:"p99_vs_naive"`
}

type report struct {
	When        time.Time `json:"when"`
	Machine     string    `json:"machine"`
	Duration    int       `json:"duration_seconds"`
	Rounds      int       `json:"rounds"`
	Connections int       `json:"connections"`
	Threads     int       `json:"wrk_threads"`
	Rows        []row     `json:"rows"`
	Stampede    struct {
		Requests       int `json:"requests"`
		OK             int `json:"ok"`
		Selects        int `json:"mysql_selects"`
		OriginRequests int `json:"origin_requests"`
	} `json:"stampede"`
	OriginPeakRSS      int64 `json:"origin_peak_rss_bytes"`
	SnapshotterPeakRSS int64 `json:"snapshotter_peak_rss_bytes"`
	StatusJSONBytes    int   `json:"status_json_bytes"`
	// Flip is, per disk path, the milliseconds from a publish's return to the path's
	// first answer with the new bytes (the worst of flipRounds publishes).
	Flip map[string]float64 `json:"flip_ms_worst"`
	// Withdrawal is the milliseconds from a withdrawal (the names gone) to the public URL's
	// first answer not from disk, the worst of flipRounds: open_file_cache's other price.
	Withdrawal float64 `json:"withdrawal_ms_worst"`
}

// path is one measured URL, with what must hold while it is measured.
type path struct {
	name, url    string
	before, post func() error
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	bin := fs.String("bin", "", "folder holding built snapshotter and origin (default: build them)")
	out := fs.String("out", "bench-results.json", "where to write the results as JSON")
	nWorlds := fs.Int("worlds", 0, "measure this many worlds from one deployment instead (issue 20's figures)")
	merge := fs.String("merge", "", "with -worlds: a main run's JSON (-out) to print in one table with the worlds' row")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	dur, err := positive(getenv, "BENCH_DURATION", 5)
	if err != nil {
		return err
	}
	rounds, err := positive(getenv, "BENCH_ROUNDS", 3)
	if err != nil {
		return err
	}
	conns, err := positive(getenv, "BENCH_CONNECTIONS", 64)
	if err != nil {
		return err
	}
	workers := getenv("BENCH_NGINX_WORKERS")
	if workers == "" {
		workers = "auto" // as deployed
	}
	dir, err := os.MkdirTemp("", "statusedge-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if *bin == "" {
		*bin = filepath.Join(dir, "bin")
		if err := harness.BuildPrograms(ctx, *bin); err != nil {
			return err
		}
	}
	if *nWorlds > 0 {
		return runWorlds(ctx, *nWorlds, dir, *bin, dur, rounds, conns, min(2, runtime.NumCPU()), *merge, stdout)
	}
	// The ceiling is a bare server inside the same nginx process, serving the same bytes:
	// two nginx instances on shared cores differ by up to 1.7x from scheduling alone.
	interval := int(config.DefaultInterval / time.Second)
	bare, err := newBare(dir, nginx.DocDir(filepath.Join(dir, "status"), nginx.StatusDoc), nginx.StatusDoc, interval)
	if err != nil {
		return err
	}
	// Throwaway servers only: the bench never touches the user's MySQL or Redis.
	s, err := stack.Start(ctx, stack.Config{Dir: dir, Bin: *bin,
		Interval: interval, TTL: int(config.DefaultTTL / time.Second),
		NginxParams: nginx.Params{Workers: workers}, NginxExtra: bare.server})
	if err != nil {
		return err
	}
	defer s.Stop()

	rep := report{When: time.Now().UTC(), Machine: machine(), Duration: dur, Rounds: rounds, Connections: conns, Threads: min(2, runtime.NumCPU())}
	fmt.Fprintf(stdout, "statusedge bench: %d interleaved rounds of %ds per path, %d connections, wrk -t%d, nginx workers %s, on %s\n\n",
		rounds, dur, conns, rep.Threads, workers, rep.Machine)

	// Stampede first, while everything is cold: no file, empty Redis, empty nginx cache.
	before, err := readCounts(ctx, s)
	if err != nil {
		return err
	}
	rep.Stampede.Requests = 1000
	rep.Stampede.OK = stampede(s.PublicURL()+"/"+nginx.StatusDoc, 1000)
	after, err := readCounts(ctx, s)
	if err != nil {
		return err
	}
	rep.Stampede.Selects, rep.Stampede.OriginRequests = after.selects-before.selects, after.originRequests-before.originRequests

	if err := s.Once(ctx); err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(s.StatusDir, snapshot.FileName))
	if err != nil {
		return err
	}
	rep.StatusJSONBytes = len(data)
	snap, err := worldstate.Read(data)
	if err != nil {
		return err
	}
	if err := bare.fill(data, snap.UpdatedAt); err != nil {
		return err
	}
	naiveURL, stopNaive, err := startNaive(s.Env, conns)
	if err != nil {
		return err
	}
	defer stopNaive()

	// Hiding the served names sends the public URL to the origin, as a missing file does.
	hidden := filepath.Join(dir, "hidden")
	if err := os.MkdirAll(hidden, 0o755); err != nil {
		return err
	}
	moveNames := func(from, to string) error {
		names, err := filepath.Glob(filepath.Join(from, "?-*.json"))
		if err != nil {
			return err
		}
		for _, n := range names {
			if err := os.Rename(n, filepath.Join(to, filepath.Base(n))); err != nil {
				return err
			}
		}
		return nil
	}
	// Hidden, then waited for: nginx's file cache serves the names up to 1 s more, which
	// would count file answers in the degraded rows.
	hide := func() error {
		if err := moveNames(nginx.DocDir(s.StatusDir, nginx.StatusDoc), hidden); err != nil {
			return err
		}
		return waitSource(ctx, s.PublicURL()+"/"+nginx.StatusDoc, "origin")
	}
	unhide := func() error { return moveNames(hidden, nginx.DocDir(s.StatusDir, nginx.StatusDoc)) }
	paths := []path{
		{name: "1 ceiling: bare try_files+expires", url: bare.url},
		{name: "1b bare root only, same bytes", url: bare.rootURL},
		{name: "2 statusedge public, file path", url: s.PublicURL() + "/" + nginx.StatusDoc},
		{name: "3 public, degraded (no fresh name)", url: s.PublicURL() + "/" + nginx.StatusDoc, before: hide, post: unhide},
		{name: "4 origin direct, from Redis", url: s.OriginURL() + "/server/status"},
		{name: "5 naive: SELECT per request", url: naiveURL},
		{name: "2b file path, no disable_symlinks", url: bare.noSymlinkURL},
		{name: "2c file path, open_file_cache 1s", url: bare.fileCacheURL},
		{name: "1c bare + open_file_cache 1s", url: bare.fileCacheBareURL},
		{name: "3b degraded as before (key per second)", url: bare.degradedBeforeURL, before: hide, post: unhide},
		{name: "3c degraded, micro-cache, no file cache", url: bare.degradedNoFileCacheURL, before: hide, post: unhide},
	}
	rows := make([]row, len(paths))
	d := time.Duration(dur) * time.Second
	for round := 1; round <= rounds; round++ {
		for i, p := range paths {
			if p.before != nil {
				if err := p.before(); err != nil {
					return err
				}
			}
			r, err := measure(ctx, s, p, d, conns, rep.Threads)
			if p.post != nil {
				if perr := p.post(); perr != nil && err == nil {
					err = perr
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "  round %d  %-40s %10.0f req/s\n", round, p.name, r.Rounds[0].RPS)
			rows[i].Name, rows[i].URL = p.name, p.url
			rows[i].Rounds = append(rows[i].Rounds, r.Rounds[0])
			rows[i].Selects += r.Selects
			rows[i].RedisErrors += r.RedisErrors
			rows[i].OriginRequests += r.OriginRequests
		}
	}
	// How long each disk path takes to serve a new publish: the price of open_file_cache.
	rep.Flip, err = flipLatency(ctx, s, map[string]string{"2 file path": paths[2].url, "2b no disable_symlinks": bare.noSymlinkURL, "2c open_file_cache 1s": bare.fileCacheURL})
	if err != nil {
		return err
	}
	if rep.Withdrawal, err = withdrawalLatency(ctx, s, paths[2].url); err != nil {
		return err
	}

	// The snapshotter's own high-water mark, read from the running loop after a refresh
	// (a child's rusage would count the forking parent's pages).
	if err := s.StartSnapshotter(); err != nil {
		return err
	}
	if err := waitHealthy("http://" + s.Env["SNAPSHOTTER_ADDR"] + "/healthz"); err != nil {
		return fmt.Errorf("%w\n%s", err, s.Logs("snapshotter"))
	}
	rep.SnapshotterPeakRSS = peakRSS(s.Snapshotter.Pid())

	// The origin's MySQL path, for the origin's own figures: Redis gone, every request
	// falls through to MySQL (through the shared in-flight read).
	s.Redis.Stop()
	r, err := measure(ctx, s, path{name: "6 origin direct, Redis down (MySQL)", url: s.OriginURL() + "/server/status"}, d, conns, rep.Threads)
	if err != nil {
		return err
	}
	rows = append(rows, r)
	rep.OriginPeakRSS = peakRSS(s.Origin.Pid())

	rep.Rows = summarize(rows)
	printReport(stdout, rep)
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nJSON: %s\n", *out)
	return nil
}

// measure loads one path once and counts the MySQL reads and origin Redis errors it caused.
func measure(ctx context.Context, s *stack.Stack, p path, d time.Duration, conns, threads int) (row, error) {
	before, err := readCounts(ctx, s)
	if err != nil {
		return row{}, err
	}
	res, err := runWrk(ctx, p.url, d, conns, threads)
	if err != nil {
		return row{}, err
	}
	after, err := readCounts(ctx, s)
	if err != nil {
		return row{}, err
	}
	return row{Name: p.name, URL: p.url, Rounds: []wrkResult{res},
		Selects: after.selects - before.selects, RedisErrors: after.redisErrors - before.redisErrors,
		OriginRequests: after.originRequests - before.originRequests}, nil
}

// naiveRow is the index of the naive design's row.
const naiveRow = 5

// summarize takes medians per path and, round by round, each path's ratio to the ceilings
// (rows 0 and 1), then compares medians with the naive design.
func summarize(rows []row) []row {
	for i := range rows {
		rows[i].Median = medianResult(rows[i].Rounds)
	}
	ratios := func(i, ceil int) []float64 {
		var v []float64
		for r, res := range rows[i].Rounds {
			if r < len(rows[ceil].Rounds) {
				v = append(v, res.RPS/rows[ceil].Rounds[r].RPS)
			}
		}
		return v
	}
	naive := rows[naiveRow].Median
	for i := range rows {
		v := ratios(i, 0)
		rows[i].VsCeil, rows[i].VsCeilRange = median(v), [2]float64{slices.Min(v), slices.Max(v)}
		rows[i].VsRoot = median(ratios(i, 1))
		rows[i].VsNaive = rows[i].Median.RPS / naive.RPS
		rows[i].P50x, rows[i].P99x = rows[i].Median.P50ms/naive.P50ms, rows[i].Median.P99ms/naive.P99ms
	}
	return rows
}

func medianResult(rs []wrkResult) wrkResult {
	pick := func(f func(wrkResult) float64) float64 {
		var v []float64
		for _, r := range rs {
			v = append(v, f(r))
		}
		return median(v)
	}
	m := wrkResult{
		RPS:   pick(func(r wrkResult) float64 { return r.RPS }),
		P50ms: pick(func(r wrkResult) float64 { return r.P50ms }),
		P99ms: pick(func(r wrkResult) float64 { return r.P99ms }),
	}
	for _, r := range rs {
		m.Requests += r.Requests
		m.Non2xx += r.Non2xx
	}
	return m
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func printReport(w io.Writer, rep report) {
	fmt.Fprintf(w, "\nmedians of %d interleaved rounds; vs (1) is the median of per-round ratios, with its range\n", rep.Rounds)
	fmt.Fprintf(w, "%-38s %10s %9s %9s %8s %16s %8s %9s %8s %8s %7s %10s\n", "path", "req/s", "p50 ms", "p99 ms", "SELECTs", "vs (1) [range]", "vs (1b)", "vs (5)", "p50/(5)", "p99/(5)", "non-2xx", "redis errs")
	for _, r := range rep.Rows {
		m := r.Median
		fmt.Fprintf(w, "%-38s %10.0f %9.3f %9.3f %8d %5.2f [%.2f-%.2f] %8.2f %9.2f %8.3f %8.3f %7d %10d\n", r.Name, m.RPS, m.P50ms, m.P99ms,
			r.Selects, r.VsCeil, r.VsCeilRange[0], r.VsCeilRange[1], r.VsRoot, r.VsNaive, r.P50x, r.P99x, m.Non2xx, r.RedisErrors)
	}
	st := rep.Stampede
	fmt.Fprintf(w, "\nstampede: %d concurrent first requests (no file, empty Redis, cold nginx cache): %d answered 200, %d MySQL SELECTs, %d origin requests\n",
		st.Requests, st.OK, st.Selects, st.OriginRequests)
	for _, name := range slices.Sorted(maps.Keys(rep.Flip)) {
		fmt.Fprintf(w, "flip: %-24s new bytes served %6.0f ms after the publish (worst of %d; %d means not within it)\n", name, rep.Flip[name], flipRounds, flipGiveUp.Milliseconds())
	}
	fmt.Fprintf(w, "withdrawal: public file path still served from disk %6.0f ms after the names went (worst of %d)\n", rep.Withdrawal, flipRounds)
	fmt.Fprintf(w, "peak RSS: origin %.1f MB (after all runs), snapshotter %.1f MB (loop, after its first refresh); status.json %d bytes\n",
		float64(rep.OriginPeakRSS)/1e6, float64(rep.SnapshotterPeakRSS)/1e6, rep.StatusJSONBytes)
}

func positive(getenv func(string) string, name string, def int) (int, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a whole number above 0", name, v)
	}
	return n, nil
}

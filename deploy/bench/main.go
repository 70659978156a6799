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
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"statusedge/internal/harness"
	"statusedge/internal/snapshot"
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

// row is one measured path.
type row struct {
	Name    string    `json:"name"`
	URL     string    `json:"url"`
	Result  wrkResult `json:"result"`
	Selects int       `json:"mysql_selects"`
	// RedisErrors are the origin's Redis reads that failed (deadline or error) and fell
	// over to MySQL: what explains a SELECT during an origin-path run.
	RedisErrors int     `json:"origin_redis_errors"`
	VsCeil      float64 `json:"rps_vs_ceiling"`
	VsNaive     float64 `json:"rps_vs_naive"`
	P50x        float64 `json:"p50_vs_naive"`
	P99x        float64 `json:"p99_vs_naive"`
}

type report struct {
	When        time.Time `json:"when"`
	Machine     string    `json:"machine"`
	Duration    int       `json:"duration_seconds"`
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
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	bin := fs.String("bin", "", "folder holding built snapshotter and origin (default: build them)")
	out := fs.String("out", "bench-results.json", "where to write the results as JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	dur, err := positive(getenv, "BENCH_DURATION", 10)
	if err != nil {
		return err
	}
	conns, err := positive(getenv, "BENCH_CONNECTIONS", 64)
	if err != nil {
		return err
	}
	// Both nginx instances get the same worker count (as deployed: auto), so the ratio
	// compares configs, not CPU shares.
	workers := getenv("BENCH_NGINX_WORKERS")
	if workers == "" {
		workers = "auto"
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
	// Throwaway servers only: the bench never touches the user's MySQL or Redis.
	s, err := harness.StartStack(ctx, harness.StackConfig{Dir: dir, Bin: *bin, Interval: 600, TTL: 900,
		NginxParams: nginx.Params{Workers: workers}})
	if err != nil {
		return err
	}
	defer s.Stop()

	rep := report{When: time.Now().UTC(), Machine: machine(), Duration: dur, Connections: conns, Threads: min(2, runtime.NumCPU())}
	fmt.Fprintf(stdout, "statusedge bench: %ds per path, %d connections, wrk -t%d, on %s\n\n", dur, conns, rep.Threads, rep.Machine)

	// Stampede first, while everything is cold: no file, empty Redis, empty nginx cache.
	sel0, _ := s.MariaDB.Selects(ctx)
	org0, err := originRequests(s.OriginURL())
	if err != nil {
		return err
	}
	rep.Stampede.Requests = 1000
	rep.Stampede.OK = stampede(s.PublicURL()+"/api/server/status", 1000)
	sel1, _ := s.MariaDB.Selects(ctx)
	org1, _ := originRequests(s.OriginURL())
	rep.Stampede.Selects, rep.Stampede.OriginRequests = sel1-sel0, org1-org0

	if err := s.Once(ctx); err != nil {
		return err
	}
	file := filepath.Join(s.StatusDir, snapshot.FileName)
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	rep.StatusJSONBytes = len(data)

	bare, err := startBare(dir, data, workers)
	if err != nil {
		return err
	}
	defer bare.Stop()
	naiveURL, stopNaive, err := startNaive(s.Env, conns)
	if err != nil {
		return err
	}
	defer stopNaive()

	d := time.Duration(dur) * time.Second
	measure := func(name, url string) (row, error) {
		before, _ := s.MariaDB.Selects(ctx)
		errsBefore, _ := originCounter(s.OriginURL(), reRedisErrors)
		res, err := runWrk(ctx, url, d, conns, rep.Threads)
		if err != nil {
			return row{}, err
		}
		after, _ := s.MariaDB.Selects(ctx)
		errsAfter, _ := originCounter(s.OriginURL(), reRedisErrors)
		fmt.Fprintf(stdout, "  measured %-40s %10.0f req/s\n", name, res.RPS)
		return row{Name: name, URL: url, Result: res, Selects: after - before, RedisErrors: errsAfter - errsBefore}, nil
	}
	plan := []struct {
		name, url    string
		before, post func() error
	}{
		{name: "1 ceiling: bare nginx, same bytes", url: "http://" + bare.Addr + "/status.json"},
		{name: "2 statusedge public, file path", url: s.PublicURL() + "/api/server/status"},
		{name: "3 statusedge public, origin path", url: s.PublicURL() + "/api/server/status",
			before: func() error { return os.Rename(file, file+".away") },
			post:   func() error { return os.Rename(file+".away", file) }},
		{name: "4 origin direct, from Redis", url: s.OriginURL() + "/server/status"},
		{name: "5 naive: SELECT per request", url: naiveURL},
	}
	for _, p := range plan {
		if p.before != nil {
			if err := p.before(); err != nil {
				return err
			}
		}
		r, err := measure(p.name, p.url)
		if err != nil {
			return err
		}
		if p.post != nil {
			if err := p.post(); err != nil {
				return err
			}
		}
		rep.Rows = append(rep.Rows, r)
	}
	// The snapshotter's own high-water mark, read from the running loop after a refresh
	// (a child's rusage would count the forking parent's pages).
	if err := s.StartSnapshotter(); err != nil {
		return err
	}
	if err := waitHealthy("http://" + s.Env["SNAPSHOTTER_ADDR"] + "/healthz"); err != nil {
		return err
	}
	rep.SnapshotterPeakRSS = peakRSS(s.Snapshotter.Pid())

	// The origin's MySQL path, for the origin's own figures: Redis gone, every request
	// falls through to MySQL (through the shared in-flight read).
	s.Redis.Stop()
	r, err := measure("6 origin direct, Redis down (MySQL)", s.OriginURL()+"/server/status")
	if err != nil {
		return err
	}
	rep.Rows = append(rep.Rows, r)
	rep.OriginPeakRSS = peakRSS(s.Origin.Pid())

	ceil, naive := rep.Rows[0].Result, rep.Rows[4].Result
	for i := range rep.Rows {
		res := rep.Rows[i].Result
		rep.Rows[i].VsCeil = res.RPS / ceil.RPS
		rep.Rows[i].VsNaive = res.RPS / naive.RPS
		rep.Rows[i].P50x = res.P50ms / naive.P50ms
		rep.Rows[i].P99x = res.P99ms / naive.P99ms
	}
	printReport(stdout, rep)
	b, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nJSON: %s\n", *out)
	return nil
}

func printReport(w io.Writer, rep report) {
	fmt.Fprintf(w, "\n%-38s %10s %9s %9s %8s %9s %9s %8s %8s %7s %10s\n", "path", "req/s", "p50 ms", "p99 ms", "SELECTs", "vs (1)", "vs (5)", "p50/(5)", "p99/(5)", "non-2xx", "redis errs")
	for _, r := range rep.Rows {
		fmt.Fprintf(w, "%-38s %10.0f %9.3f %9.3f %8d %9.2f %9.2f %8.3f %8.3f %7d %10d\n", r.Name, r.Result.RPS, r.Result.P50ms, r.Result.P99ms,
			r.Selects, r.VsCeil, r.VsNaive, r.P50x, r.P99x, r.Result.Non2xx, r.RedisErrors)
	}
	st := rep.Stampede
	fmt.Fprintf(w, "\nstampede: %d concurrent first requests (no file, empty Redis, cold nginx cache): %d answered 200, %d MySQL SELECTs, %d origin requests\n",
		st.Requests, st.OK, st.Selects, st.OriginRequests)
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

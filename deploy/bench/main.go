// Command bench measures statusedge against a bare nginx (the ceiling) and the naive
// design (a SELECT per request), in one run on one machine, so the ratios hold on a
// noisy box. `make bench`; BENCH_DURATION (seconds) and BENCH_CONNECTIONS adjust it.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"statusedge/internal/config"
	"statusedge/internal/harness"
	"statusedge/internal/healthcheck"
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

// stampede sends n requests at once and returns how many got 200.
func stampede(url string, n int) int {
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			resp, err := c.Get(url)
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	return ok
}

var (
	reOriginCount = regexp.MustCompile(`statusedge_origin_request_duration_seconds_count\{code="\d+",route="/server/status"\} (\d+)`)
	reRedisErrors = regexp.MustCompile(`statusedge_origin_redis_reads_total\{result="error"\} (\d+)`)
)

// originRequests counts /server/status requests the origin answered, from its metrics.
func originRequests(originURL string) (int, error) { return originCounter(originURL, reOriginCount) }

// originCounter sums the origin's counters that re matches, capturing the value.
func originCounter(originURL string, re *regexp.Regexp) (int, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(originURL + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n, nil
}

// startBare runs a minimal nginx serving the same status.json bytes: the ceiling.
func startBare(dir string, data []byte, workers string) (*harness.Nginx, error) {
	bdir := filepath.Join(dir, "bare")
	if err := os.MkdirAll(filepath.Join(bdir, "www"), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(bdir, "www", snapshot.FileName), data, 0o644); err != nil {
		return nil, err
	}
	port, err := harness.FreePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	conf := fmt.Sprintf(`worker_processes %[3]s;
error_log stderr warn;
pid %[1]s/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %[1]s/client_body_temp;
    proxy_temp_path %[1]s/proxy_temp;
    fastcgi_temp_path %[1]s/fastcgi_temp;
    uwsgi_temp_path %[1]s/uwsgi_temp;
    scgi_temp_path %[1]s/scgi_temp;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    types { application/json json; }
    server {
        listen %[2]s;
        location = /status.json { root %[1]s/www; }
    }
}
`, bdir, addr, workers)
	return harness.StartNginxConf(bdir, []byte(conf), addr)
}

// startNaive serves the design users run today: one SELECT per page view.
func startNaive(env map[string]string, conns int) (string, func(), error) {
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return "", nil, err
	}
	db, err := sql.Open("mysql", cfg.DSN(5*time.Second))
	if err != nil {
		return "", nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := snapshot.ReadRows(r.Context(), db)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		snap, _ := snapshot.Build(rows, time.Now(), cfg.TTL)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(snap.Encode())
	})}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/", func() { srv.Close(); db.Close() }, nil
}

// peakRSS is a process's high-water resident memory (VmHWM) in bytes.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// waitHealthy waits for a 200 from url: the snapshotter has refreshed.
func waitHealthy(url string) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if err := healthcheck.Probe(context.Background(), url); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s never healthy", url)
}

func machine() string {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				model = strings.TrimSpace(line[strings.IndexByte(line, ':')+1:])
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (%s), Linux %s, %s", runtime.NumCPU(), model, strings.TrimSpace(string(kernel)), runtime.Version())
}

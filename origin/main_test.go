package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/config"
	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// stack is harnesstest.Servers, with this package's helpers.
type stack struct{ *harnesstest.Servers }

func newStack(t *testing.T) *stack { t.Helper(); return &stack{harnesstest.StartServers(t)} }

// putSnapshot stores in Redis a snapshot of the seeded table read age ago.
func (s *stack) putSnapshot(t *testing.T, age time.Duration) snapshot.Snapshot {
	t.Helper()
	snap := s.build(t, time.Now().Add(-age))
	if err := snapshot.NewStore(s.RDB).Put(context.Background(), snap.Encode(), 90*time.Second-age); err != nil {
		t.Fatal(err)
	}
	return snap
}

func (s *stack) build(t *testing.T, at time.Time) snapshot.Snapshot {
	t.Helper()
	root, err := s.DB.Root("tzserver")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	rows, err := snapshot.ReadRows(context.Background(), root, config.DefaultMaxSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := snapshot.Build(rows, at, 90*time.Second)
	return worldstate.Published(snap, nil, nil) // as the snapshotter publishes it
}

func (s *stack) selects(t *testing.T) int {
	t.Helper()
	n, err := s.DB.Selects(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// origin is a running origin (in process, through run) and its base URL.
type origin struct {
	url  string
	logs *harnesstest.LogBuffer
}

// startOrigin runs the origin on env's ORIGIN_ADDR, 127.0.0.1:0 when unset.
func startOrigin(t *testing.T, env map[string]string, flags ...string) origin {
	t.Helper()
	e := map[string]string{}
	for k, v := range env {
		e[k] = v
	}
	if e["ORIGIN_ADDR"] == "" {
		e["ORIGIN_ADDR"] = "127.0.0.1:0"
	}
	logs := &harnesstest.LogBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	bound := make(chan string, 1)
	go func() {
		done <- run(ctx, append([]string{"origin"}, flags...), harnesstest.Env(e), logs, logs, func(addr string) { bound <- addr })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("origin run: %v", err)
		}
	})
	var addr string
	select {
	case addr = <-bound:
	case err := <-done:
		done <- err // for the cleanup
		t.Fatalf("origin ended before listening: %v\n%s", err, logs.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("origin not listening after 10s:\n%s", logs.String())
	}
	return origin{url: "http://" + addr, logs: logs}
}

// reply is one HTTP answer.
type reply struct {
	code   int
	header http.Header
	body   []byte
	took   time.Duration
}

func (r reply) status(t *testing.T) statusBody {
	t.Helper()
	var b statusBody
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatalf("answer is not JSON (%d): %v: %s", r.code, err, r.body)
	}
	return b
}

type statusBody struct {
	snapshot.Snapshot
	Cache snapshot.CacheInfo `json:"_cache"`
}

var client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 600}}

// send is one request, safe on any goroutine.
func send(method, url string, header map[string]string) (reply, error) {
	resp, body, took, err := harnesstest.Send(client, method, url, header)
	if err != nil {
		return reply{}, err
	}
	return reply{resp.StatusCode, resp.Header, body, took}, nil
}

func do(t *testing.T, method, url string, header map[string]string) reply {
	t.Helper()
	r, err := send(method, url, header)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func get(t *testing.T, url string) reply { t.Helper(); return do(t, http.MethodGet, url, nil) }

// concurrent sends n GETs at once and returns the answers.
func concurrent(t *testing.T, n int, url string) []reply {
	t.Helper()
	return harnesstest.Concurrently(t, n, func(int) (reply, error) { return send(http.MethodGet, url, nil) })
}

func wantRates(t *testing.T, b statusBody) {
	t.Helper()
	want := snapshot.Rates{Exp: 2.5, PvP: 1.5, PvE: 3, ColorMob: 1.25, Skill: 2}
	if b.Rates != want || b.ServerStatus != 1 || b.ClientStatus != 256 || b.Meta["RateExp"] != "Множитель опыта" {
		t.Errorf("answer data = %+v", b.Snapshot)
	}
}

func TestFromRedis(t *testing.T) {
	s := newStack(t)
	o := startOrigin(t, s.Env)
	snap := s.putSnapshot(t, 30*time.Second)
	before := s.selects(t)
	for range 100 {
		r := get(t, o.url+"/server/status")
		if r.code != 200 {
			t.Fatalf("code %d: %s", r.code, r.body)
		}
		b := r.status(t)
		if b.Cache.Source != "redis" || b.Cache.Stale || b.Cache.AgeSeconds < 30 || b.Cache.AgeSeconds > 32 {
			t.Fatalf("_cache = %+v, want redis, fresh, age 30", b.Cache)
		}
		wantRates(t, b)
	}
	if after := s.selects(t); after != before {
		t.Errorf("answers from Redis made %d SELECTs", after-before)
	}
	r := get(t, o.url+"/server/status")
	cc := r.header.Get("Cache-Control")
	maxAge, err := strconv.Atoi(strings.TrimPrefix(cc, "public, max-age="))
	if err != nil || maxAge > 60 || maxAge < 55 {
		t.Errorf("Cache-Control = %q, want max-age of what is left of freshness (~60)", cc)
	}
	if lm := r.header.Get("Last-Modified"); lm != snap.UpdatedAt.Format(http.TimeFormat) {
		t.Errorf("Last-Modified = %q, want updated_at %v", lm, snap.UpdatedAt)
	}
	if r.header.Get("ETag") == "" || r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("X-Content-Type-Options") != "nosniff" ||
		r.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("headers = %v", r.header)
	}
}

// TestStampedeMakesOneQuery: 500 concurrent requests on an empty Redis cost MySQL one
// read. The read is held open, with a write lock on its table, until every request has
// missed Redis (the origin's own counter says so) and MariaDB shows that one query
// waiting; only then is it released. So the count does not depend on how fast the
// burst goes on a loaded machine, and the reuse window stays the default 1 s: it covers
// only the few instructions between a request's miss and its joining the flight.
func TestStampedeMakesOneQuery(t *testing.T) {
	const n = 500
	s := newStack(t)
	// -db-timeout well past the hold: the held read must not be cut and retried.
	o := startOrigin(t, s.Env, "-db-timeout=1m")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("origin log:\n%s", o.logs.String())
		}
	})
	root, err := s.DB.Root("tzserver")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	ctx := context.Background()
	lock, err := root.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, "LOCK TABLES constants WRITE"); err != nil {
		t.Fatal(err)
	}
	var unlockOnce sync.Once
	unlock := func() {
		unlockOnce.Do(func() {
			if _, err := lock.ExecContext(ctx, "UNLOCK TABLES"); err != nil {
				t.Errorf("unlock: %v", err)
			}
		})
	}
	t.Cleanup(unlock) // a test that stops early must not leave the requests waiting

	before := s.selects(t)
	replies, errs := make([]reply, n), make([]error, n)
	burst := make(chan struct{})
	go func() {
		defer close(burst)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { replies[i], errs[i] = send(http.MethodGet, o.url+"/server/status", nil) })
		}
		wg.Wait()
	}()
	// Every request past Redis: a miss, or an error when the pool had no connection for
	// it within -redis-timeout. Both go on to MySQL.
	harnesstest.Eventually(t, 30*time.Second, harnesstest.Every(20*time.Millisecond, "the origin's Redis read counter"), func(ctx context.Context) error {
		past := 0.0
		for _, result := range []string{"miss", "error"} {
			v, err := harness.Metric(ctx, o.url+"/metrics", "statusedge_origin_redis_reads_total", map[string]string{"result": result})
			if err != nil {
				return err
			}
			past += v
		}
		if past < n {
			return fmt.Errorf("%v of %d requests past Redis", past, n)
		}
		return nil
	})
	held := waitingOnLock(t, root)
	unlock()
	<-burst
	after := s.selects(t)
	for i, r := range replies {
		if errs[i] != nil {
			t.Fatalf("request %d of %d: %v", i+1, n, errs[i])
		}
		if r.code != 200 {
			t.Fatalf("code %d: %s", r.code, r.body)
		}
		b := r.status(t)
		wantRates(t, b)
		if b.Cache.Source != "database" || b.Cache.Stale {
			t.Fatalf("answer %+v, want a fresh database answer", b.Cache)
		}
	}
	t.Logf("%d concurrent requests on an empty Redis, all past Redis with %d query held: %d SELECTs", n, held, after-before)
	if after-before != 1 {
		t.Errorf("%d concurrent misses made %d SELECTs, want 1", n, after-before)
	}
	if ttl := waitRefilled(t, s.RDB); ttl < 85*time.Second || ttl > 90*time.Second {
		t.Errorf("Redis refilled with TTL %v, want about STATUS_CACHE_TTL", ttl)
	}
}

// waitingOnLock waits until MariaDB's process list shows the origin's read waiting on the
// table lock, and returns how many statements wait there. SHOW PROCESSLIST is not a
// SELECT: looking does not move Com_select.
func waitingOnLock(t *testing.T, root *sql.DB) int {
	t.Helper()
	waiting := 0
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(20*time.Millisecond, "MariaDB's process list"), func(ctx context.Context) error {
		rows, err := root.QueryContext(ctx, "SHOW FULL PROCESSLIST")
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		waiting = 0
		var seen []string
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			row := map[string]string{}
			for i, c := range cols {
				row[c] = vals[i].String
			}
			seen = append(seen, row["State"]+": "+row["Info"])
			if row["Info"] == snapshot.Query && strings.Contains(row["State"], "lock") {
				waiting++
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if waiting == 0 {
			return fmt.Errorf("no %q waiting on a lock: %q", snapshot.Query, seen)
		}
		return nil
	})
	return waiting
}

// TestRedisDownOrHung: each case starts its own servers and origin, so either runs alone
// and neither sees what the other did to Redis.
func TestRedisDownOrHung(t *testing.T) {
	t.Run("hung", func(t *testing.T) {
		s := newStack(t)
		o := startOrigin(t, s.Env)
		if err := s.Redis.Pause(); err != nil {
			t.Fatal(err)
		}
		defer s.Redis.Resume()
		for _, r := range append(concurrent(t, 50, o.url+"/server/status"), get(t, o.url+"/server/status")) {
			if r.code != 200 || r.status(t).Cache.Source != "database" {
				t.Fatalf("code %d body %s", r.code, r.body)
			}
			if r.took > time.Second {
				t.Errorf("answer with Redis hung took %v", r.took)
			}
		}
	})
	t.Run("stopped", func(t *testing.T) {
		s := newStack(t)
		o := startOrigin(t, s.Env)
		s.Redis.Stop()
		r := get(t, o.url+"/server/status")
		if r.code != 200 || r.status(t).Cache.Source != "database" {
			t.Fatalf("code %d body %s", r.code, r.body)
		}
		wantRates(t, r.status(t))
	})
}

func TestLastKnownAndNothing(t *testing.T) {
	s := newStack(t)
	o := startOrigin(t, s.Env)
	s.putSnapshot(t, 10*time.Second)
	if r := get(t, o.url+"/server/status"); r.code != 200 {
		t.Fatal(r.code)
	}
	old := s.build(t, time.Now().Add(-5*time.Minute)) // for the file-only case below
	s.Redis.Stop()
	s.DB.Stop()

	r := get(t, o.url+"/server/status")
	b := r.status(t)
	if r.code != 200 || b.Cache.Source != "last_known" || !b.Cache.Stale || r.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("both down: %d %+v Cache-Control %q", r.code, b.Cache, r.header.Get("Cache-Control"))
	}
	wantRates(t, b)

	t.Run("fresh process, file only", func(t *testing.T) {
		if err := snapshot.WriteFile(s.Dir, old.Encode()); err != nil {
			t.Fatal(err)
		}
		o2 := startOrigin(t, s.Env)
		r := get(t, o2.url+"/server/status")
		b := r.status(t)
		if r.code != 200 || b.Cache.Source != "last_known" || !b.Cache.Stale || b.Cache.AgeSeconds < 300 {
			t.Errorf("from file: %d %+v", r.code, b.Cache)
		}
	})
	t.Run("nothing at all", func(t *testing.T) {
		env := map[string]string{}
		for k, v := range s.Env {
			env[k] = v
		}
		env["STATUS_DIR"] = t.TempDir()
		o3 := startOrigin(t, env)
		r := get(t, o3.url+"/server/status")
		var e struct{ Error string }
		if r.code != 503 || r.header.Get("Retry-After") == "" || json.Unmarshal(r.body, &e) != nil || e.Error == "" {
			t.Errorf("with nothing: %d Retry-After %q body %s", r.code, r.header.Get("Retry-After"), r.body)
		}
	})
}

// TestDeadDatabaseIsTriedRarely: visitors without pause against a MySQL that refuses us
// reach it once per back-off window (-db-backoff, 5 s). They go on from before the first
// attempt until one and a half windows after MariaDB counted it: the origin allows the
// second attempt 5 s after the first failed and the third not before 10 s, so exactly two
// reach MariaDB, with 2.5 s to spare on either side.
func TestDeadDatabaseIsTriedRarely(t *testing.T) {
	const backoff = 5 * time.Second
	s := newStack(t)
	s.Redis.Stop() // every request falls through to MySQL
	env := maps.Clone(s.Env)
	// A MySQL that refuses us: every attempt shows in the server's own counters.
	env["DB_USER"], env["DB_PASSWORD"] = "nobody", "wrong"
	o := startOrigin(t, env, "-db-backoff="+backoff.String())
	ctx := context.Background()
	attempts := func(ctx context.Context) (int, error) { return s.DB.Status(ctx, "Aborted_connects") }
	before, err := attempts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(o.url + "/server/status")
				if err != nil {
					t.Error(err)
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Error(err)
					return
				}
				requests.Add(1)
			}
		})
	}
	stopOnce := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopOnce)
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(10*time.Millisecond, "MariaDB's Aborted_connects"), func(ctx context.Context) error {
		n, err := attempts(ctx)
		if err != nil {
			return err
		}
		if n == before {
			return fmt.Errorf("no attempt yet (Aborted_connects %d)", n)
		}
		return nil
	})
	first := time.Now()
	time.Sleep(time.Until(first.Add(backoff * 3 / 2))) // the behaviour under test is timed: the visitors go on for 1.5 windows
	stopOnce()
	after, err := attempts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("MySQL refusing: %d requests over %v, %d connection attempts reached MariaDB", requests.Load(), time.Since(first).Round(time.Millisecond), after-before)
	if after-before != 2 {
		t.Errorf("%d connection attempts in 1.5 back-off windows from the first, want 2 (one per %v window)", after-before, backoff)
	}
}

func TestGarbageInRedisIsNeverServed(t *testing.T) {
	s := newStack(t)
	// Every miss reads MySQL and refills Redis (no reuse window), and each refill is
	// awaited before the next garbage goes in: a refill landing late would overwrite it.
	o := startOrigin(t, s.Env, "-db-reuse=0")
	for _, garbage := range []string{"not json", `{"foo":1}`, `[1,2,3]`, `{"server_status":"on"}`} {
		if err := s.RDB.Set(context.Background(), snapshot.KeyStatus, garbage, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		r := get(t, o.url+"/server/status")
		b := r.status(t)
		if r.code != 200 || b.Cache.Source != "database" {
			t.Errorf("garbage %q: %d %+v", garbage, r.code, b.Cache)
		}
		wantRates(t, b)
		if strings.Contains(string(r.body), garbage) {
			t.Errorf("garbage %q served", garbage)
		}
		waitRefilled(t, s.RDB)
	}
	if !strings.Contains(o.logs.String(), "unreadable snapshot in Redis") {
		t.Error("garbage in Redis not logged")
	}
}

func TestHTTPSemantics(t *testing.T) {
	s := newStack(t)
	o := startOrigin(t, s.Env)
	s.putSnapshot(t, 0)
	first := get(t, o.url+"/server/status")
	etag, lm := first.header.Get("ETag"), first.header.Get("Last-Modified")
	tests := []struct {
		name   string
		method string
		path   string
		header map[string]string
		code   int
		body   bool
	}{
		{"If-None-Match", "GET", "/server/status", map[string]string{"If-None-Match": etag}, 304, false},
		{"If-None-Match other", "GET", "/server/status", map[string]string{"If-None-Match": `"other"`}, 200, true},
		{"If-Modified-Since", "GET", "/server/status", map[string]string{"If-Modified-Since": lm}, 304, false},
		{"HEAD", "HEAD", "/server/status", nil, 200, false},
		{"POST", "POST", "/server/status", nil, 405, true},
		{"DELETE debug", "DELETE", "/server/status/debug", nil, 405, true},
		{"unknown path", "GET", "/nope", nil, 404, true},
		{"healthz", "GET", "/healthz", nil, 200, true},
		{"readyz", "GET", "/readyz", nil, 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, tt.method, o.url+tt.path, tt.header)
			if r.code != tt.code || (len(r.body) > 0) != tt.body {
				t.Errorf("%s %s = %d with %d bytes, want %d (body %v)", tt.method, tt.path, r.code, len(r.body), tt.code, tt.body)
			}
			if tt.code >= 400 && !json.Valid(r.body) {
				t.Errorf("error body is not JSON: %s", r.body)
			}
		})
	}
	if h := do(t, "HEAD", o.url+"/server/status", nil).header; h.Get("ETag") != etag || h.Get("Content-Length") == "" {
		t.Errorf("HEAD headers = %v", h)
	}
}

// TestIPv6Loopback: ORIGIN_ADDR takes an IPv6 address in brackets; the origin listens on
// it and answers there, and -healthcheck finds it from the same setting.
func TestIPv6Loopback(t *testing.T) {
	s := newStack(t)
	env := map[string]string{"ORIGIN_ADDR": "[::1]:0"}
	for k, v := range s.Env {
		env[k] = v
	}
	o := startOrigin(t, env)
	host, port, err := net.SplitHostPort(strings.TrimPrefix(o.url, "http://"))
	if err != nil || host != "::1" {
		t.Fatalf("origin bound %s (%v), want [::1]:port", o.url, err)
	}
	if r := get(t, o.url+"/healthz"); r.code != http.StatusOK || string(r.body) != "ok\n" {
		t.Errorf("GET /healthz over [::1] = %d %q", r.code, r.body)
	}
	s.putSnapshot(t, 0)
	if r := get(t, o.url+"/server/status"); r.code != http.StatusOK {
		t.Errorf("GET /server/status over [::1] = %d: %s", r.code, r.body)
	} else {
		wantRates(t, r.status(t))
	}
	env["ORIGIN_ADDR"] = "[::1]:" + port
	if err := run(context.Background(), []string{"origin", "-healthcheck"}, harnesstest.Env(env), io.Discard, io.Discard, nil); err != nil {
		t.Errorf("-healthcheck with ORIGIN_ADDR=%s: %v", env["ORIGIN_ADDR"], err)
	}
}

// TestRangeIgnored: the origin's body changes with age and staleness, so a Range (with
// or without If-Range) gets the whole answer, 200, and no promise of ranges.
func TestRangeIgnored(t *testing.T) {
	s := newStack(t)
	o := startOrigin(t, s.Env)
	s.putSnapshot(t, 0)
	etag := get(t, o.url+"/server/status").header.Get("ETag")
	for _, h := range []map[string]string{
		{"Range": "bytes=0-9"},
		{"Range": "bytes=-5"},
		{"Range": "bytes=0-0,5-9"},
		{"Range": "bytes=0-9", "If-Range": etag},
	} {
		r := do(t, http.MethodGet, o.url+"/server/status", h)
		if r.code != http.StatusOK || r.header.Get("Content-Range") != "" {
			t.Errorf("%v: %d with Content-Range %q, want 200 and the whole body", h, r.code, r.header.Get("Content-Range"))
		}
		if got := r.header.Get("Accept-Ranges"); got != "none" {
			t.Errorf("%v: Accept-Ranges = %q, want none", h, got)
		}
		if strconv.Itoa(len(r.body)) != r.header.Get("Content-Length") {
			t.Errorf("%v: %d bytes, Content-Length %q", h, len(r.body), r.header.Get("Content-Length"))
		}
		wantRates(t, r.status(t))
	}
	if r := do(t, http.MethodGet, o.url+"/server/status", map[string]string{"If-None-Match": etag, "Range": "bytes=0-9"}); r.code != http.StatusNotModified {
		t.Errorf("If-None-Match with Range = %d, want 304", r.code)
	}
}

func TestDebug(t *testing.T) {
	s := newStack(t)
	const dbPass, redisPass = "db-Secr3t-pw", "redis-Secr3t-pw"
	root, err := s.DB.Root("tzserver")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if _, err := root.Exec("CREATE USER 'tzuser'@'127.0.0.1' IDENTIFIED BY '" + dbPass + "'; GRANT SELECT ON tzserver.constants TO 'tzuser'@'127.0.0.1'; UPDATE constants SET Value='x' WHERE Name='RatePve'"); err != nil {
		t.Fatal(err)
	}
	if err := s.RDB.ConfigSet(context.Background(), "requirepass", redisPass).Err(); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for k, v := range s.Env {
		env[k] = v
	}
	env["DB_USER"], env["DB_PASSWORD"] = "tzuser", dbPass
	env["REDIS_URL"] = "redis://:" + redisPass + "@" + s.Redis.Addr() + "/0"
	o := startOrigin(t, env)
	st := get(t, o.url+"/server/status")
	if st.code != 200 || st.status(t).Cache.Source != "database" {
		t.Fatalf("status: %d %s", st.code, st.body)
	}
	answered := st.status(t).Snapshot
	rdb := redis.NewClient(&redis.Options{Addr: s.Redis.Addr(), Password: redisPass})
	t.Cleanup(func() { rdb.Close() })
	waitRefilled(t, rdb)

	r := get(t, o.url+"/server/status/debug")
	if r.code != 200 || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("debug: %d %v", r.code, r.header)
	}
	for _, f := range []string{"cached", "updated_at", "age_seconds", "ttl", "is_fresh", "interval", "file", "redis", "mysql", "snapshotter_last_refresh", "fallbacks"} {
		if !strings.Contains(string(r.body), `"`+f+`":`) {
			t.Errorf("debug lacks %q", f)
		}
	}
	var d debugInfo
	if err := json.Unmarshal(r.body, &d); err != nil {
		t.Fatal(err)
	}
	if !d.Cached || !d.IsFresh || d.Interval != 60 || d.IntervalFrom != "STATUS_UPDATE_INTERVAL" || d.CacheTTL != 90 || d.TTL < 85 || d.TTL > 90 {
		t.Errorf("cached=%v is_fresh=%v interval=%d from %q cache_ttl=%d ttl=%d, want true true 60 STATUS_UPDATE_INTERVAL 90 ~90",
			d.Cached, d.IsFresh, d.Interval, d.IntervalFrom, d.CacheTTL, d.TTL)
	}
	if d.UpdatedAt == nil || !d.UpdatedAt.Equal(answered.UpdatedAt) || d.FreshUntil == nil || !d.FreshUntil.Equal(answered.FreshUntil) {
		t.Errorf("updated_at %v fresh_until %v, want the answered snapshot's %v %v", d.UpdatedAt, d.FreshUntil, answered.UpdatedAt, answered.FreshUntil)
	}
	if d.AgeSeconds == nil || *d.AgeSeconds < 0 || *d.AgeSeconds > 5 || time.Since(d.Now).Abs() > 5*time.Second {
		t.Errorf("age_seconds %v now %v, want a snapshot just read", d.AgeSeconds, d.Now)
	}
	wantFile := filepath.Join(s.Dir, snapshot.FileName)
	if d.File.Path != wantFile || d.File.Present || d.File.Valid || !strings.Contains(d.File.Error, "no such file") {
		t.Errorf("file = %+v, want %s absent (no snapshotter ran)", d.File, wantFile)
	}
	if want := "single " + s.Redis.Addr() + " db 0"; !strings.HasPrefix(d.Redis.Addr, want) || !d.Redis.Reachable || d.Redis.Error != "" {
		t.Errorf("redis = %+v, want %s reachable", d.Redis, want)
	}
	if want := (reach{Addr: net.JoinHostPort(s.DB.Host, strconv.Itoa(s.DB.Port)) + "/tzserver", Reachable: true}); d.MySQL != want {
		t.Errorf("mysql = %+v, want %+v", d.MySQL, want)
	}
	if d.Snapshotter != nil || !strings.Contains(d.SnapshotterError, "no refresh recorded") {
		t.Errorf("snapshotter record %+v error %q, want none recorded", d.Snapshotter, d.SnapshotterError)
	}
	if want := []snapshot.Fallback{{Name: "RatePve", Reason: `not a number: "x"`}}; !slices.Equal(d.Fallbacks, want) {
		t.Errorf("fallbacks = %+v, want %+v", d.Fallbacks, want)
	}
	if d.OriginDBError != "" {
		t.Errorf("origin_mysql_error = %q after a good read", d.OriginDBError)
	}
	for _, secret := range []string{dbPass, redisPass} {
		if strings.Contains(string(r.body), secret) || strings.Contains(o.logs.String(), secret) {
			t.Errorf("password %q appears in debug output or logs", secret)
		}
	}
	for _, tt := range []struct {
		set      string
		interval int64
		from     string
	}{
		{"30", 30, snapshot.KeyInterval},
		{"120", 60, "STATUS_UPDATE_INTERVAL (override ignored: "}, // not below the 90-s TTL, as the snapshotter does
		{"3", 60, "STATUS_UPDATE_INTERVAL (override ignored: "},   // below the 5-s bound
	} {
		if err := rdb.Set(context.Background(), snapshot.KeyInterval, tt.set, 0).Err(); err != nil {
			t.Fatal(err)
		}
		var d debugInfo
		if err := json.Unmarshal(get(t, o.url+"/server/status/debug").body, &d); err != nil {
			t.Fatal(err)
		}
		if d.Interval != tt.interval || !strings.HasPrefix(d.IntervalFrom, tt.from) {
			t.Errorf("override %s: interval %d from %q, want %d from %q", tt.set, d.Interval, d.IntervalFrom, tt.interval, tt.from)
		}
	}
}

// waitRefilled waits until the origin's refill of Redis has landed (the key holds a
// snapshot that parses, with a TTL), and returns the TTL: the refill runs beside the
// answers, so it lands a moment after the answer that read MySQL.
func waitRefilled(t *testing.T, rdb *redis.Client) time.Duration {
	t.Helper()
	var ttl time.Duration
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(10*time.Millisecond, snapshot.KeyStatus+" in Redis"), func(ctx context.Context) error {
		data, err := rdb.Get(ctx, snapshot.KeyStatus).Bytes()
		if err != nil {
			return fmt.Errorf("get: %w", err)
		}
		if _, err := snapshot.Parse(data); err != nil {
			return fmt.Errorf("%q: %w", data, err)
		}
		if ttl, err = rdb.TTL(ctx, snapshot.KeyStatus).Result(); err != nil || ttl <= 0 {
			return fmt.Errorf("ttl %v, %v", ttl, err)
		}
		return nil
	})
	return ttl
}

// TestBadRedisURLHidesPassword: main prints run's error whole; a REDIS_URL that fails to
// parse must not put its password there.
func TestBadRedisURLHidesPassword(t *testing.T) {
	var out bytes.Buffer
	env := map[string]string{"REDIS_URL": "redis://:pa%ss@127.0.0.1:6379/0"}
	err := run(context.Background(), []string{"origin"}, harnesstest.Env(env), &out, &out, nil)
	if err == nil || !strings.Contains(err.Error(), "REDIS_URL") || strings.Contains(err.Error(), "pa%ss") || strings.Contains(err.Error(), "%ss") {
		t.Errorf("run = %v, want REDIS_URL named without its password", err)
	}
	if strings.Contains(out.String(), "pa%ss") {
		t.Errorf("output shows the password: %s", out.String())
	}
}

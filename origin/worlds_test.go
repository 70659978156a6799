package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/config"
	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/publish"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// worldIDs are the worlds of worldsFile, in the file's order, and their RateExp.
var (
	worldIDs = []string{"x1", "x50", "pvp"}
	worldExp = map[string]float64{"x1": 1, "x50": 50, "pvp": 7}
)

// worldsFile seeds a schema per world on s's MariaDB (tz_<id>, the demo constants with
// the world's own RateExp) and writes a worlds file listing them, then any extra entries
// (YAML list items), and returns its path.
func worldsFile(t *testing.T, s *stack, extra string) string {
	t.Helper()
	seed := harnesstest.DemoSeed(t)
	var b strings.Builder
	b.WriteString("worlds:\n")
	for _, id := range worldIDs {
		harnesstest.DB(t, s.DB, "tz_"+id, seed+fmt.Sprintf("\nUPDATE constants SET Value = '%g' WHERE Name = 'RateExp';\n", worldExp[id]))
		fmt.Fprintf(&b, "  - id: %s\n    name: {en: \"World %s\", ru: \"Мир %s\"}\n    database: {schema: tz_%s}\n", id, id, id, id)
	}
	b.WriteString(extra)
	file := filepath.Join(t.TempDir(), "worlds.yml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// worldsEnv is s's environment with the worlds file.
func worldsEnv(s *stack, file string) map[string]string {
	env := maps.Clone(s.Env)
	env["STATUS_WORLDS_FILE"] = file
	return env
}

// buildWorld is a snapshot of world id's table, read at.
func buildWorld(t *testing.T, s *stack, id string, at time.Time) snapshot.Snapshot {
	t.Helper()
	root, err := s.DB.Root("tz_" + id)
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

// waitWorldRefilled waits until the origin's refill of world id's key has landed, and
// returns the snapshot it holds.
func waitWorldRefilled(t *testing.T, rdb *redis.Client, id string) snapshot.Snapshot {
	t.Helper()
	key := snapshot.WorldLayout(id).Status
	var snap snapshot.Snapshot
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(10*time.Millisecond, key+" in Redis"), func(ctx context.Context) error {
		data, err := rdb.Get(ctx, key).Bytes()
		if err != nil {
			return fmt.Errorf("get: %w", err)
		}
		if snap, err = snapshot.Parse(data); err != nil {
			return fmt.Errorf("%q: %w", data, err)
		}
		if ttl, err := rdb.TTL(ctx, key).Result(); err != nil || ttl <= 0 {
			return fmt.Errorf("ttl %v, %v", ttl, err)
		}
		return nil
	})
	return snap
}

// wantWorld checks that r is world id's status from source, with its own constants.
func wantWorld(t *testing.T, id string, r reply, source string) {
	t.Helper()
	if r.code != http.StatusOK {
		t.Fatalf("world %s: %d %s", id, r.code, r.body)
	}
	b := r.status(t)
	if b.Cache.Source != source || b.Rates.Exp != worldExp[id] || b.Rates.PvP != 1.5 || b.Meta["RateExp"] != "Множитель опыта" {
		t.Errorf("world %s: source %q exp %v pvp %v, want %s with exp %v: %s", id, b.Cache.Source, b.Rates.Exp, b.Rates.PvP, source, worldExp[id], r.body)
	}
	if r.header.Get("X-Status-Source") != "origin" || r.header.Get("Content-Type") != "application/json; charset=utf-8" ||
		r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("ETag") == "" || r.header.Get("Accept-Ranges") != "none" {
		t.Errorf("world %s: headers %v", id, r.header)
	}
}

// TestWorldsChain: with a worlds file, each world's route answers its own constants from
// its own schema when Redis is empty, refills its own key, answers from it next, and
// from what it last knew once Redis and MySQL are both gone; a fresh process with both
// gone answers from each world's own copy in STATUS_DIR.
func TestWorldsChain(t *testing.T) {
	s := newStack(t)
	env := worldsEnv(s, worldsFile(t, s, ""))
	// No reuse window: the answers once both are down must not be the read of a moment ago.
	o := startOrigin(t, env, "-db-reuse=0")
	url := func(id string) string { return o.url + "/api/worlds/" + id + "/status" }

	for _, id := range worldIDs {
		wantWorld(t, id, get(t, url(id)), sourceDatabase)
		if snap := waitWorldRefilled(t, s.RDB, id); snap.Rates.Exp != worldExp[id] {
			t.Errorf("world %s: its key holds exp %v, want %v", id, snap.Rates.Exp, worldExp[id])
		}
	}
	if n, err := s.RDB.Exists(context.Background(), snapshot.KeyStatus).Result(); err != nil || n != 0 {
		t.Errorf("%s exists (%d, %v): a world wrote the key of the deployment without worlds", snapshot.KeyStatus, n, err)
	}
	before := s.selects(t)
	etags := map[string]string{}
	for _, id := range worldIDs {
		r := get(t, url(id))
		wantWorld(t, id, r, sourceRedis)
		etags[id] = r.header.Get("ETag")
		if cc := r.header.Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") {
			t.Errorf("world %s: Cache-Control %q, want public with a max-age", id, cc)
		}
	}
	if after := s.selects(t); after != before {
		t.Errorf("answers from Redis made %d SELECTs", after-before)
	}
	for _, tt := range []struct {
		name, method, path string
		header             map[string]string
		code               int
	}{
		{"If-None-Match", "GET", "/api/worlds/x50/status", map[string]string{"If-None-Match": etags["x50"]}, 304},
		{"another world's ETag", "GET", "/api/worlds/x1/status", map[string]string{"If-None-Match": etags["x50"]}, 200},
		{"HEAD", "HEAD", "/api/worlds/pvp/status", nil, 200},
		{"POST", "POST", "/api/worlds/x1/status", nil, 405},
		{"unknown world", "GET", "/api/worlds/nope/status", nil, 404},
		{"no world of today's variables", "GET", "/api/server/status", nil, 404},
		{"readyz", "GET", "/readyz", nil, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, tt.method, o.url+tt.path, tt.header)
			if r.code != tt.code {
				t.Errorf("%s %s = %d, want %d: %s", tt.method, tt.path, r.code, tt.code, r.body)
			}
			if tt.code >= 400 {
				var e struct {
					Error  string `json:"error"`
					Status int    `json:"status"`
				}
				if err := json.Unmarshal(r.body, &e); err != nil || e.Error == "" || e.Status != tt.code || r.header.Get("Cache-Control") != "no-store" {
					t.Errorf("error answer %s (Cache-Control %q), want JSON {error, status %d}: %v", r.body, r.header.Get("Cache-Control"), tt.code, err)
				}
			}
		})
	}
	for _, id := range worldIDs {
		n, err := harness.Metric(context.Background(), o.url+"/metrics", "statusedge_origin_answers_total", map[string]string{"world": id, "source": sourceRedis})
		if err != nil || n < 1 {
			t.Errorf("statusedge_origin_answers_total{world=%q,source=redis} = %v, %v; want at least 1", id, n, err)
		}
	}

	// The copies a snapshotter would have left, older than anything the origin saw.
	for _, id := range worldIDs {
		if err := publish.WriteCopy(s.Dir, snapshot.WorldLayout(id).StatusFile, buildWorld(t, s, id, time.Now().Add(-5*time.Minute)).Encode()); err != nil {
			t.Fatal(err)
		}
	}
	s.Redis.Stop()
	s.DB.Stop()
	for _, id := range worldIDs {
		r := get(t, url(id))
		wantWorld(t, id, r, sourceLastKnown)
		if b := r.status(t); !b.Cache.Stale || b.Cache.AgeSeconds > 60 || r.header.Get("Cache-Control") != "no-cache" {
			t.Errorf("world %s, both down: %+v Cache-Control %q, want the stale snapshot this process read", id, b.Cache, r.header.Get("Cache-Control"))
		}
	}
	if r := get(t, o.url+"/readyz"); r.code != http.StatusServiceUnavailable {
		t.Errorf("readyz with Redis and MySQL down = %d %s, want 503", r.code, r.body)
	}

	t.Run("fresh process, copies only", func(t *testing.T) {
		o2 := startOrigin(t, env)
		for _, id := range worldIDs {
			r := get(t, o2.url+"/api/worlds/"+id+"/status")
			wantWorld(t, id, r, sourceLastKnown)
			if b := r.status(t); !b.Cache.Stale || b.Cache.AgeSeconds < 300 {
				t.Errorf("world %s from its copy: %+v, want stale, 5 minutes old", id, b.Cache)
			}
		}
	})
}

// hungMySQL is an address that accepts connections and never says a word: a database
// whose server is hung (SIGSTOP) as a client sees it. Closed at cleanup.
func hungMySQL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// worldsDebug is GET /server/status/debug with a worlds file, as a client reads it.
type worldsDebug struct {
	Now    *time.Time  `json:"now"`
	Worlds []debugInfo `json:"worlds"`
	Redis  *reach      `json:"redis"`
}

// TestWorldsDebug: the debug page lists every world, in the file's order, with its age,
// its copy, its database, its last error and its probe verdict; a world whose database
// hangs costs the page one -db-timeout (the worlds are inspected at once) and names its
// error; /readyz follows the choice documented (Redis, else every world's MySQL).
func TestWorldsDebug(t *testing.T) {
	const dbTimeout = time.Second
	s := newStack(t)
	hung := hungMySQL(t)
	file := worldsFile(t, s, fmt.Sprintf("  - id: hung\n    name: {en: Hung, ru: Завис}\n    database: {dsn: \"root@tcp(%s)/tz_hung\"}\n", hung))
	ctx := context.Background()

	// x1: the snapshotter's snapshot with a probe round in Redis, offline.
	const target, reason = "10.1.2.3:7777", "dial tcp 10.1.2.3:7777: connect: connection refused"
	at := time.Now().UTC().Truncate(time.Second)
	round := snapshot.ProbeRound{At: at, Online: new(false), Targets: []snapshot.ProbeResult{{Addr: target, LatencyMS: 1, Error: reason}}}
	x1 := snapshot.NewWorldStore(s.RDB, snapshot.WorldLayout("x1"))
	if err := x1.Put(ctx, worldstate.Published(buildWorld(t, s, "x1", at.Add(-5*time.Second)).WithProbe(round), nil, nil).Encode(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := x1.PutProbeRound(ctx, round, time.Minute); err != nil {
		t.Fatal(err)
	}
	o := startOrigin(t, worldsEnv(s, file), "-db-timeout="+dbTimeout.String())
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("origin log:\n%s", o.logs.String())
		}
	})
	// x50 from its schema; hung: nothing anywhere, and its read fails at the deadline.
	wantWorld(t, "x50", get(t, o.url+"/api/worlds/x50/status"), sourceDatabase)
	waitWorldRefilled(t, s.RDB, "x50")
	if r := get(t, o.url+"/api/worlds/hung/status"); r.code != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Errorf("hung world with nothing known = %d %s, want 503 with Retry-After", r.code, r.body)
	}

	r := get(t, o.url+"/server/status/debug")
	if r.code != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("debug: %d %v %s", r.code, r.header, r.body)
	}
	// The page waits for the hung world's ping (one -db-timeout), not once per world.
	if r.took > dbTimeout+2*time.Second {
		t.Errorf("debug took %v with one world's database hung, want about -db-timeout (%v)", r.took, dbTimeout)
	}
	var d worldsDebug
	if err := json.Unmarshal(r.body, &d); err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &top); err != nil {
		t.Fatal(err)
	}
	if len(top) != 3 || d.Now == nil || time.Since(*d.Now).Abs() > 5*time.Second || d.Redis == nil || !d.Redis.Reachable || !strings.HasPrefix(d.Redis.Addr, "single "+s.Redis.Addr()) {
		t.Errorf("debug top level = now %v redis %+v and %d keys, want now, worlds and a reachable redis:\n%s", d.Now, d.Redis, len(top), r.body)
	}
	ids := []string{}
	for _, w := range d.Worlds {
		ids = append(ids, w.World)
	}
	if want := append(append([]string{}, worldIDs...), "hung"); strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("debug lists worlds %v, want %v:\n%s", ids, want, r.body)
	}
	byID := map[string]debugInfo{}
	for _, w := range d.Worlds {
		byID[w.World] = w
		if !w.Now.IsZero() || w.Redis != (reach{}) {
			t.Errorf("world %s repeats now or redis, which the page gives once", w.World)
		}
		if want := filepath.Join(s.Dir, "status-"+w.World+".json"); w.File.Path != want || w.File.Present {
			t.Errorf("world %s: file %+v, want %s absent", w.World, w.File, want)
		}
		if w.CacheTTL != 90 || w.Interval != 60 || w.Fallbacks == nil {
			t.Errorf("world %s: cache_ttl %d interval %d fallbacks %v", w.World, w.CacheTTL, w.Interval, w.Fallbacks)
		}
	}
	for _, id := range []string{"x1", "x50"} {
		w := byID[id]
		if !w.Cached || !w.IsFresh || w.UpdatedAt == nil || w.AgeSeconds == nil || *w.AgeSeconds > 10 || w.TTL < 50 || w.TTL > 90 {
			t.Errorf("world %s: cached %v fresh %v updated_at %v age %v ttl %d, want a fresh snapshot in its key", id, w.Cached, w.IsFresh, w.UpdatedAt, w.AgeSeconds, w.TTL)
		}
		if want := "127.0.0.1:" + s.Env["DB_PORT"] + "/tz_" + id + ".constants"; w.MySQL.Addr != want || !w.MySQL.Reachable || w.OriginDBError != "" {
			t.Errorf("world %s: mysql %+v origin_mysql_error %q, want %s reachable", id, w.MySQL, w.OriginDBError, want)
		}
		if w.Snapshotter != nil || !strings.Contains(w.SnapshotterError, "no refresh recorded") {
			t.Errorf("world %s: snapshotter record %+v error %q, want none recorded", id, w.Snapshotter, w.SnapshotterError)
		}
	}
	if p := byID["x1"].Probe; p == nil || p.Online || p.RoundAt == nil || !p.RoundAt.Equal(at) || len(p.Targets) != 1 || p.Targets[0] != round.Targets[0] {
		t.Errorf("x1 probe = %+v, want offline with its round's target %+v", p, round.Targets[0])
	}
	if p := byID["x50"].Probe; p == nil || !p.Online || len(p.Targets) != 0 || p.RoundError != "" {
		t.Errorf("x50 probe = %+v, want online from its constants, no probe round", p)
	}
	h := byID["hung"]
	if h.MySQL.Reachable || h.MySQL.Error == "" || h.OriginDBError == "" || h.Cached || h.UpdatedAt != nil || h.Probe != nil {
		t.Errorf("hung world: mysql %+v origin_mysql_error %q cached %v updated_at %v probe %+v, want its database's error and no snapshot", h.MySQL, h.OriginDBError, h.Cached, h.UpdatedAt, h.Probe)
	}
	if strings.Contains(h.MySQL.Addr, "@") || !strings.HasSuffix(h.MySQL.Addr, hung+"/tz_hung.constants") {
		t.Errorf("hung world: mysql addr %q, want %s/tz_hung.constants", h.MySQL.Addr, hung)
	}

	// /readyz: Redis answers, so ready; without Redis, the hung world's MySQL does not.
	if r := get(t, o.url+"/readyz"); r.code != http.StatusOK || string(r.body) != "ready: redis\n" {
		t.Errorf("readyz = %d %q, want ready: redis", r.code, r.body)
	}
	s.Redis.Stop()
	if r := get(t, o.url+"/readyz"); r.code != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "every world's MySQL") {
		t.Errorf("readyz with Redis down and one world's database hung = %d %s, want 503", r.code, r.body)
	}
	// The hung world holds no other back: x1 and x50 answer from their own schemas.
	for _, id := range []string{"x1", "x50"} {
		wantWorld(t, id, get(t, o.url+"/api/worlds/"+id+"/status"), sourceDatabase)
	}
}

// TestBadWorldsFile: a bad worlds file stops the origin at start with the one line
// naming the file, the world and the field; nothing is listened on.
func TestBadWorldsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "worlds.yml")
	body := "worlds:\n  - id: x50\n    name: {en: X50, ru: X50}\n    database: {schema: tz_x50}\n    players_query: \"DELETE FROM characters\"\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"STATUS_WORLDS_FILE": file, "STATUS_NGINX_CONF": "none", "ORIGIN_ADDR": "127.0.0.1:0"}
	listened := false
	err := run(context.Background(), []string{"origin"}, harnesstest.Env(env), &harnesstest.LogBuffer{}, &harnesstest.LogBuffer{}, func(string) { listened = true })
	if err == nil || listened {
		t.Fatalf("run = %v (listened %v), want the worlds file refused at start", err, listened)
	}
	want := "STATUS_WORLDS_FILE " + file + `: world "x50": players_query: `
	if msg := err.Error(); !strings.HasPrefix(msg, want) || strings.Contains(msg, "\n") {
		t.Errorf("run = %q, want one line starting %q", msg, want)
	}
}

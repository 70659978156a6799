package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/replica"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// stack is harnesstest.Servers, with this package's helpers.
type stack struct{ *harnesstest.Servers }

func newStack(t *testing.T) *stack { t.Helper(); return &stack{harnesstest.StartServers(t)} }

// once runs `snapshotter -once` in process and returns its error.
func (s *stack) once(t *testing.T, extra ...string) error {
	t.Helper()
	var out bytes.Buffer
	return run(context.Background(), append([]string{"snapshotter", "-once"}, extra...), harnesstest.Env(s.Env), &out, &out, nil)
}

func (s *stack) redisValue(t *testing.T) []byte {
	t.Helper()
	b, err := s.RDB.Get(context.Background(), snapshot.KeyStatus).Bytes()
	if err != nil {
		t.Fatalf("redis get: %v", err)
	}
	return b
}

func (s *stack) file(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Dir, snapshot.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// record is the last_refresh record in Redis; its absence fails the test, so a missing
// record never reads as an empty one.
func (s *stack) record(t *testing.T) snapshot.RefreshRecord {
	t.Helper()
	rec, found, err := snapshot.NewStore(s.RDB).Record(context.Background())
	if err != nil || !found {
		t.Fatalf("last_refresh record: found %v, %v", found, err)
	}
	return rec
}

// expectFiles says how the entries of dir differ from want, or nil.
func expectFiles(dir string, want ...string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("%s holds %v, want %v", dir, got, want)
	}
	return nil
}

func TestOnceWritesRedisAndFile(t *testing.T) {
	s := newStack(t)
	if err := s.once(t); err != nil {
		t.Fatalf("-once: %v", err)
	}
	file, val := s.file(t), s.redisValue(t)
	if !bytes.Equal(file, val) {
		t.Fatalf("status.json and Redis differ:\n%s\n%s", file, val)
	}
	snap, err := snapshot.Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	want := snapshot.Rates{Exp: 2.5, PvP: 1.5, PvE: 3, ColorMob: 1.25, Skill: 2}
	if snap.Rates != want || snap.ServerStatus != 1 || snap.ClientStatus != 256 {
		t.Errorf("snapshot = %+v", snap)
	}
	if snap.Meta["RateExp"] != "Множитель опыта" || snap.Meta["MOTD"] != "Сообщение дня" {
		t.Errorf("_meta = %v", snap.Meta)
	}
	if d := snap.FreshUntil.Sub(snap.UpdatedAt); d != 90*time.Second {
		t.Errorf("fresh_until - updated_at = %v, want the TTL", d)
	}
	if age := time.Since(snap.UpdatedAt); age < -time.Second || age > 5*time.Second {
		t.Errorf("updated_at %v is not the read time", snap.UpdatedAt)
	}
	ttl, err := s.RDB.TTL(context.Background(), snapshot.KeyStatus).Result()
	if err != nil || ttl < 89*time.Second || ttl > 90*time.Second {
		t.Errorf("Redis TTL = %v, %v; want STATUS_CACHE_TTL (90s)", ttl, err)
	}
	fi, err := os.Stat(filepath.Join(s.Dir, snapshot.FileName))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("status.json mode = %v, %v; want 0644", fi.Mode(), err)
	}
	// status.json, badge.json, the lock and the documents' folders; in each folder the
	// names of the window exactly as nginx.Cover cuts it (from the publish's second, which
	// is updated_at or the one after), the newest copy and the fallbacks: no temp file.
	folder := func(doc string) string { return filepath.Base(nginx.DocDir(s.Dir, doc)) }
	if err := expectFiles(s.Dir, snapshot.FileName, snapshot.BadgeFileName, ".publish.lock", folder(nginx.StatusDoc), folder(nginx.BadgeDoc)); err != nil {
		t.Error(err)
	}
	u, f := snap.UpdatedAt.Unix(), snap.FreshUntil.Unix()
	for doc, fallback := range map[string]string{nginx.StatusDoc: nginx.LastName, nginx.BadgeDoc: nginx.StaleName} {
		dir := nginx.DocDir(s.Dir, doc)
		errFrom := expectFiles(dir, append(nginx.Cover(u, u, f), nginx.CurrentName, fallback)...)
		if errNext := expectFiles(dir, append(nginx.Cover(u, u+1, f), nginx.CurrentName, fallback)...); errFrom != nil && errNext != nil {
			t.Errorf("%s: %v", doc, errFrom)
		}
	}
	if rec := s.record(t); !rec.OK || rec.UpdatedAt == nil || !rec.UpdatedAt.Equal(snap.UpdatedAt) {
		t.Errorf("last_refresh record = %+v", rec)
	}
}

func TestBadRowsAreReportedNotFatal(t *testing.T) {
	s := newStack(t)
	root, err := s.DB.Root("tzserver")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if _, err := root.Exec(`UPDATE constants SET Value='fast' WHERE Name='RateExp';
		UPDATE constants SET Value=NULL, Description=NULL WHERE Name='RatePvp';
		DELETE FROM constants WHERE Name='RateSkill'`); err != nil {
		t.Fatal(err)
	}
	if err := s.once(t); err != nil {
		t.Fatalf("-once with bad rows: %v", err)
	}
	snap, err := snapshot.Parse(s.file(t))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Rates.Exp != 1 || snap.Rates.PvP != 1 || snap.Rates.Skill != 1 || snap.Rates.PvE != 3 {
		t.Errorf("rates = %+v, want defaults for the bad rows only", snap.Rates)
	}
	if d, ok := snap.Meta["RatePvp"]; !ok || d != "" {
		t.Errorf("NULL description: _meta[RatePvp] = %q, %v", d, ok)
	}
	rec := s.record(t)
	got := map[string]string{}
	for _, f := range rec.Fallbacks {
		got[f.Name] = f.Reason
	}
	if got["RateExp"] != `not a number: "fast"` || got["RatePvp"] != "NULL" || got["RateSkill"] != "missing" || len(got) != 3 {
		t.Errorf("reported fallbacks = %v", got)
	}
}

func TestMySQLDownWritesNothing(t *testing.T) {
	s := newStack(t)
	if err := s.once(t); err != nil {
		t.Fatal(err)
	}
	file, val := s.file(t), s.redisValue(t)
	// Marks that any write would erase, however soon it came: an mtime in the past, and a
	// Redis TTL no SETEX of the snapshotter would set.
	path := filepath.Join(s.Dir, snapshot.FileName)
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, past, past); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.RDB.Expire(ctx, snapshot.KeyStatus, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	s.DB.Stop()

	err := s.once(t)
	if err == nil || !strings.Contains(err.Error(), "read constants") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("-once with MySQL down = %v, want the cause named", err)
	}
	if !bytes.Equal(s.file(t), file) || !bytes.Equal(s.redisValue(t), val) {
		t.Error("a failed database read changed the snapshot")
	}
	if fi, err := os.Stat(path); err != nil || !fi.ModTime().Equal(past) {
		t.Errorf("a failed database read touched status.json (%v)", err)
	}
	if ttl, err := s.RDB.TTL(ctx, snapshot.KeyStatus).Result(); err != nil || ttl <= 90*time.Second {
		t.Errorf("a failed database read rewrote server:status (TTL %v, %v)", ttl, err)
	}
	if rec := s.record(t); rec.OK || !strings.Contains(rec.Error, "read constants") {
		t.Errorf("last_refresh record = %+v, want the failure", rec)
	}
}

func TestRedisDownStillWritesFile(t *testing.T) {
	s := newStack(t)
	s.Redis.Stop()
	err := s.once(t)
	if err == nil || !strings.Contains(err.Error(), "redis") {
		t.Fatalf("-once with Redis down = %v, want a Redis error", err)
	}
	if _, perr := snapshot.Parse(s.file(t)); perr != nil {
		t.Fatalf("status.json not refreshed while Redis is down: %v", perr)
	}
}

func TestUnwritableDirStillWritesRedis(t *testing.T) {
	s := newStack(t)
	// A path under a regular file cannot be written, even by root.
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.Env["STATUS_DIR"] = filepath.Join(blocker, "www")
	err := s.once(t)
	if err == nil || !strings.Contains(err.Error(), "status.json") {
		t.Fatalf("-once with STATUS_DIR unwritable = %v, want a file error", err)
	}
	if _, perr := snapshot.Parse(s.redisValue(t)); perr != nil {
		t.Fatalf("Redis not refreshed while STATUS_DIR is unwritable: %v", perr)
	}
}

func TestHungServersCostOnlyTheirDeadline(t *testing.T) {
	s := newStack(t)
	t.Run("mysql", func(t *testing.T) {
		if err := s.DB.Pause(); err != nil {
			t.Fatal(err)
		}
		defer s.DB.Resume()
		start := time.Now()
		err := s.once(t, "-db-timeout=1s")
		took := time.Since(start)
		if err == nil {
			t.Fatal("-once against a hung MySQL succeeded")
		}
		if took > 2500*time.Millisecond {
			t.Errorf("refresh against a hung MySQL took %v with a 1s deadline", took)
		}
		t.Logf("hung MySQL: refresh gave up after %v: %v", took, err)
	})
	t.Run("redis", func(t *testing.T) {
		if err := s.Redis.Pause(); err != nil {
			t.Fatal(err)
		}
		defer s.Redis.Resume()
		start := time.Now()
		err := s.once(t, "-redis-timeout=500ms")
		took := time.Since(start)
		if err == nil || !strings.Contains(err.Error(), "redis") {
			t.Fatalf("-once against a hung Redis = %v", err)
		}
		// Put, then PutRecord: two calls, each with one retry at most.
		if took > 3*time.Second {
			t.Errorf("refresh against a hung Redis took %v with a 500ms deadline", took)
		}
		if _, perr := snapshot.Parse(s.file(t)); perr != nil {
			t.Errorf("status.json not written while Redis hung: %v", perr)
		}
		t.Logf("hung Redis: refresh gave up after %v", took)
	})
}

func TestBadEnvStopsAtStart(t *testing.T) {
	for _, tt := range []struct{ name, val, names string }{
		{"STATUS_CACHE_TTL", "abc", "STATUS_CACHE_TTL"},
		{"STATUS_UPDATE_INTERVAL", "0", "STATUS_UPDATE_INTERVAL"},
		{"STATUS_CACHE_TTL", "60", "STATUS_CACHE_TTL"}, // equal to the interval below
		{"REDIS_URL", "redis://:pa%ss@127.0.0.1:6379/0", "REDIS_URL"},
	} {
		t.Run(tt.name+"="+tt.val, func(t *testing.T) {
			env := map[string]string{"STATUS_UPDATE_INTERVAL": "60", tt.name: tt.val}
			err := run(context.Background(), []string{"snapshotter"}, harnesstest.Env(env), &bytes.Buffer{}, &bytes.Buffer{}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.names) || strings.Contains(err.Error(), "\n") {
				t.Errorf("run = %v, want one line naming %s", err, tt.names)
			}
			// main prints this error whole: a URL's password must not be in it.
			if err != nil && strings.Contains(err.Error(), "pa%ss") {
				t.Errorf("run = %v prints the password", err)
			}
		})
	}
}

// TestBadWorldsFileStopsAtStart: a worlds file the worlds package refuses stops the
// snapshotter before it touches anything, with the package's one line.
func TestBadWorldsFileStopsAtStart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "worlds.yml")
	body := "worlds:\n  - {id: x1, name: {en: A, ru: Б}, database: {schema: a}}\n  - {id: x1, name: {en: B, ru: В}, database: {schema: b}}\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"STATUS_WORLDS_FILE": file, "STATUS_DIR": t.TempDir(), "STATUS_NGINX_CONF": "none"}
	err := run(context.Background(), []string{"snapshotter"}, harnesstest.Env(env), &bytes.Buffer{}, &bytes.Buffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "STATUS_WORLDS_FILE "+file) || !strings.Contains(err.Error(), `"x1"`) || strings.Contains(err.Error(), "\n") {
		t.Errorf("run = %v, want one line naming the file and the duplicate id", err)
	}
}

func TestHealthz(t *testing.T) {
	s := newStack(t)
	s.Env["SNAPSHOTTER_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	bound := make(chan string, 1)
	logs := &harnesstest.LogBuffer{}
	go func() {
		done <- run(ctx, []string{"snapshotter"}, harnesstest.Env(s.Env), logs, logs, func(addr string) { bound <- addr })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run after cancel = %v", err)
		}
		if t.Failed() {
			t.Logf("snapshotter log:\n%s", logs)
		}
	}()
	var addr string
	select {
	case addr = <-bound:
	case err := <-done:
		done <- err // for the deferred check
		t.Fatalf("snapshotter ended before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("snapshotter not listening after 10s")
	}
	s.Env["SNAPSHOTTER_ADDR"] = addr // for -healthcheck below
	// The first refresh runs beside the server: wait for /healthz itself to turn healthy.
	var h replica.Health
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(20*time.Millisecond, "/healthz"), func(context.Context) error {
		if err := probeJSON("http://"+addr+"/healthz", &h); err != nil {
			return err
		}
		if !h.Healthy {
			return fmt.Errorf("healthz %+v", h)
		}
		return nil
	})
	if h.AgeSeconds == nil || *h.AgeSeconds > 5 {
		t.Errorf("age_seconds = %v", h.AgeSeconds)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"snapshotter", "-healthcheck"}, harnesstest.Env(s.Env), &out, &out, nil); err != nil {
		t.Errorf("-healthcheck against a healthy snapshotter: %v", err)
	}
	metrics, err := get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`statusedge_snapshotter_refreshes_total{result="ok",world=""} 1`, "statusedge_snapshotter_last_success_timestamp_seconds", "statusedge_snapshotter_refresh_duration_seconds_bucket"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func probeJSON(url string, v any) error {
	body, err := get(url)
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(body), v)
}

// TestOversizeSnapshotRefused: descriptions widened to a megabyte each (8 MB in all) are
// refused at STATUS_MAX_SNAPSHOT_BYTES: the read stops at the first row past it, nothing
// is written, the last good snapshot stays, and the record says why.
func TestOversizeSnapshotRefused(t *testing.T) {
	s := newStack(t)
	if err := s.once(t); err != nil {
		t.Fatal(err)
	}
	file, val := s.file(t), s.redisValue(t)
	root, err := s.DB.Root("tzserver")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	ctx := context.Background()
	if _, err := root.ExecContext(ctx, "ALTER TABLE constants MODIFY Description MEDIUMTEXT"); err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		if _, err := root.ExecContext(ctx, "INSERT INTO constants (Name, Value, Description) VALUES (?, '1', REPEAT('x', 1048576))", fmt.Sprintf("Wide%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err = s.once(t)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "STATUS_MAX_SNAPSHOT_BYTES") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("-once over the cap = %v, want one line naming STATUS_MAX_SNAPSHOT_BYTES", err)
	}
	// One row of a megabyte read, then the refusal: never the 8 MB, nor their encoding.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("the refused read allocated %d bytes, want it bounded near one row", alloc)
	}
	t.Logf("refused read allocated %d KB", (after.TotalAlloc-before.TotalAlloc)>>10)
	if !bytes.Equal(s.file(t), file) || !bytes.Equal(s.redisValue(t), val) {
		t.Error("an oversize read changed the snapshot")
	}
	if rec := s.record(t); rec.OK || !strings.Contains(rec.Error, "STATUS_MAX_SNAPSHOT_BYTES") {
		t.Errorf("last_refresh record = %+v, want the refusal", rec)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/replica"
	"statusedge/internal/snapshot"
)

// runSnapshotter runs the snapshotter loop in process, with the flags in args, until the
// test ends, and returns the address it serves /healthz on.
func runSnapshotter(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	env["SNAPSHOTTER_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	bound := make(chan string, 1)
	logs := &harnesstest.LogBuffer{}
	go func() {
		done <- run(ctx, append([]string{"snapshotter"}, args...), harnesstest.Env(env), logs, logs, func(addr string) { bound <- addr })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run after cancel = %v", err)
		}
		if t.Failed() {
			t.Logf("snapshotter log:\n%s", logs)
		}
	})
	select {
	case addr := <-bound:
		return addr
	case err := <-done:
		done <- err // for the cleanup's check
		t.Fatalf("snapshotter ended before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("snapshotter not listening after 10s")
	}
	return ""
}

// fileSnap reads status.json, or returns false when it is not there yet.
func (s *stack) fileSnap(t *testing.T) (snapshot.Snapshot, bool) {
	t.Helper()
	data, _, err := snapshot.ReadFile(s.Dir)
	if err != nil {
		return snapshot.Snapshot{}, false
	}
	snap, err := snapshot.Parse(data)
	if err != nil {
		t.Fatalf("status.json: %v", err)
	}
	return snap, true
}

// waitSnap polls status.json until cond holds.
func (s *stack) waitSnap(t *testing.T, timeout time.Duration, what string, cond func(snapshot.Snapshot) bool) snapshot.Snapshot {
	t.Helper()
	var snap snapshot.Snapshot
	harnesstest.Eventually(t, timeout, harnesstest.Every(20*time.Millisecond, "status.json"), func(context.Context) error {
		var ok bool
		if snap, ok = s.fileSnap(t); ok && cond(snap) {
			return nil
		}
		data, _, err := snapshot.ReadFile(s.Dir)
		return fmt.Errorf("not %s yet: status.json %s %v", what, data, err)
	})
	return snap
}

func probeEnv(s *stack, addr, kind string) {
	s.Env["GAME_SERVER_ADDR"], s.Env["GAME_SERVER_PROBE"] = addr, kind
	s.Env["STATUS_PROBE_INTERVAL"], s.Env["STATUS_PROBE_TIMEOUT"], s.Env["STATUS_PROBE_FAILURES"] = "1", "1", "2"
}

// players is s for one TestPlayers case: the same servers, with an env and a STATUS_DIR of
// its own and Redis emptied, so that no case reads what another left (a null players or a
// players_error from the case before would pass for this one's).
func (s *stack) players(t *testing.T, query string) *stack {
	t.Helper()
	own := *s.Servers
	own.Dir = t.TempDir()
	own.Env = maps.Clone(s.Env)
	own.Env["STATUS_DIR"], own.Env["STATUS_PLAYERS_QUERY"] = own.Dir, query
	if err := s.RDB.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	return &stack{&own}
}

// TestPlayers: a real count against the demo seed's `characters` table; anything but one
// numeric cell gives players null with the reason in last_refresh, and never fails the
// refresh.
func TestPlayers(t *testing.T) {
	s := newStack(t)
	root, err := s.DB.Root("tzserver")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	tests := []struct {
		name, query string
		want        int64 // -1: null
		reason      string
	}{
		{"count", harness.DemoPlayersQuery, harness.DemoPlayers, ""},
		{"text", "SELECT name FROM characters LIMIT 1", -1, "VARCHAR column"},
		{"two columns", "SELECT COUNT(*), MAX(name) FROM characters", -1, "2 columns"},
		{"error", "SELECT COUNT(*) FROM no_such_table", -1, "doesn't exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s.players(t, tt.query)
			if err := s.once(t); err != nil {
				t.Fatalf("refresh with players %q failed: %v", tt.query, err)
			}
			snap, ok := s.fileSnap(t)
			if !ok {
				t.Fatal("a successful refresh left no status.json")
			}
			rec := s.record(t)
			switch {
			case tt.want >= 0 && (snap.Players == nil || *snap.Players != tt.want):
				t.Errorf("players = %v, want %d", snap.Players, tt.want)
			case tt.want < 0 && snap.Players != nil:
				t.Errorf("players = %d, want null", *snap.Players)
			case !strings.Contains(rec.PlayersError, tt.reason) || (tt.reason == "") != (rec.PlayersError == ""):
				t.Errorf("players_error = %q, want %q", rec.PlayersError, tt.reason)
			}
			if !bytes.Contains(s.file(t), []byte(`"players":`)) {
				t.Error("status.json has no players field")
			}
		})
	}
	t.Run("stuck on a lock: cut at -db-timeout", func(t *testing.T) {
		s := s.players(t, tests[0].query)
		ctx := context.Background()
		lock, err := root.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer lock.Close()
		if _, err := lock.ExecContext(ctx, "LOCK TABLES characters WRITE"); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if _, err := lock.ExecContext(ctx, "UNLOCK TABLES"); err != nil {
				t.Error(err)
			}
		}()
		start := time.Now()
		if err := s.once(t, "-db-timeout=1s"); err != nil {
			t.Fatalf("a stuck player count failed the refresh: %v", err)
		}
		// The count gets the refresh's own -db-timeout, and its failure only nulls players.
		if took := time.Since(start); took > 4*time.Second {
			t.Errorf("refresh with the count stuck took %v, want about -db-timeout (1s)", took)
		}
		snap, ok := s.fileSnap(t)
		if rec := s.record(t); !ok || snap.Players != nil || rec.PlayersError == "" {
			t.Errorf("players = %v, players_error %q; want null with the reason", snap.Players, rec.PlayersError)
		}
	})
	t.Run("not a SELECT is refused at start", func(t *testing.T) {
		s := s.players(t, "DELETE FROM x")
		err := s.once(t)
		if err == nil || !strings.Contains(err.Error(), "STATUS_PLAYERS_QUERY") || !strings.Contains(err.Error(), "not SELECT") {
			t.Errorf("run = %v, want a refusal naming STATUS_PLAYERS_QUERY", err)
		}
	})
}

// TestBannerProbeOfHungServer: a server that accepts but never writes is offline after
// the failures, and no probe takes longer than its deadline. The public snapshot (file
// and Redis) says only that the target failed; its address and the reason are in the
// debug record in Redis and in /healthz.
func TestBannerProbeOfHungServer(t *testing.T) {
	s := newStack(t)
	g := harnesstest.GameServer(t, false)
	probeEnv(s, g.Addr, "banner")
	addr := runSnapshotter(t, s.Env)
	start := time.Now()
	snap := s.waitSnap(t, 10*time.Second, "offline", func(s snapshot.Snapshot) bool { return !s.Online && len(s.Probe) == 1 })
	t.Logf("offline after %v", time.Since(start))
	if p := snap.Probe[0]; p.OK || p.LatencyMS > 1000+200 {
		t.Errorf("public probe = %+v, want a failure within the 1-s deadline", p)
	}
	for what, data := range map[string][]byte{"status.json": s.file(t), snapshot.KeyStatus: s.redisValue(t)} {
		for _, leak := range []string{g.Addr, "accepted but sent nothing", `"addr"`, `"error"`} {
			if bytes.Contains(data, []byte(leak)) {
				t.Errorf("%s holds %s:\n%s", what, leak, data)
			}
		}
	}

	// The debug record follows the publish: poll Redis for the offline round.
	store := snapshot.NewStore(s.RDB)
	var round snapshot.ProbeRound
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(20*time.Millisecond, snapshot.KeyProbeRound), func(ctx context.Context) error {
		r, ok, err := store.ProbeRound(ctx)
		if err != nil {
			return err
		}
		if !ok || r.Online == nil || *r.Online {
			return fmt.Errorf("no offline round yet (last %+v, found %v)", r, ok)
		}
		round = r
		return nil
	})
	if ttl, err := s.RDB.TTL(context.Background(), snapshot.KeyProbeRound).Result(); err != nil || ttl <= 0 || ttl > 900*time.Second {
		t.Errorf("%s TTL = %v (%v), want within STATUS_CACHE_TTL", snapshot.KeyProbeRound, ttl, err)
	}
	var h replica.Health
	if err := probeJSON("http://"+addr+"/healthz", &h); err != nil || h.LastProbe == nil {
		t.Fatalf("/healthz last_probe = %+v, %v", h.LastProbe, err)
	}
	for what, r := range map[string]snapshot.ProbeRound{snapshot.KeyProbeRound: round, "/healthz last_probe": *h.LastProbe} {
		if len(r.Targets) != 1 {
			t.Errorf("%s = %+v, want one target", what, r)
			continue
		}
		if tg := r.Targets[0]; tg.Addr != g.Addr || tg.OK || !strings.Contains(tg.Error, "accepted but sent nothing") || tg.LatencyMS > 1000+200 {
			t.Errorf("%s target = %+v, want %s failed with its reason within 1 s", what, tg, g.Addr)
		}
	}
}

// webhook is a local HTTP server standing in for Discord; hang makes it never answer.
type webhook struct {
	mu     sync.Mutex
	bodies []map[string]any
	hang   chan struct{}
}

func newWebhook(t *testing.T, hang bool) (*webhook, string) {
	t.Helper()
	w := &webhook{}
	if hang {
		w.hang = make(chan struct{})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(rw, `{"message": "Cannot send an empty message", "code": 50006}`, http.StatusBadRequest)
			return
		}
		w.mu.Lock()
		w.bodies = append(w.bodies, m)
		w.mu.Unlock()
		if w.hang != nil {
			<-w.hang
		}
		rw.WriteHeader(http.StatusNoContent) // Discord's answer
	}))
	t.Cleanup(func() {
		if w.hang != nil {
			close(w.hang)
		}
		srv.Close()
	})
	return w, srv.URL + "/api/webhooks/123/secret-token"
}

func (w *webhook) posts() []map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]map[string]any(nil), w.bodies...)
}

// TestWebhookOnePostPerFlip: each flip (not the first verdict) is one POST with a body
// Discord accepts (a non-empty "content"), with the minimum gap off
// (TestWebhookFlappingIsDamped has it on).
func TestWebhookOnePostPerFlip(t *testing.T) {
	s := newStack(t)
	g := harnesstest.GameServer(t, true)
	hook, url := newWebhook(t, false)
	probeEnv(s, g.Addr, "tcp")
	s.Env["STATUS_WEBHOOK_URL"] = url
	s.Env["STATUS_WEBHOOK_MIN_GAP"] = "0"
	runSnapshotter(t, s.Env)
	first := s.waitSnap(t, 10*time.Second, "online", func(s snapshot.Snapshot) bool { return s.Online && len(s.Probe) == 1 })
	g.Close()
	s.waitSnap(t, 5*time.Second, "offline", func(s snapshot.Snapshot) bool { return !s.Online })
	if err := g.Open(); err != nil {
		t.Fatal(err)
	}
	last := s.waitSnap(t, 5*time.Second, "online again", func(s snapshot.Snapshot) bool { return s.Online && s.CheckedAt.After(first.CheckedAt) })
	// Two more rounds after the last flip: nothing more is posted.
	s.waitSnap(t, 5*time.Second, "two more rounds", func(s snapshot.Snapshot) bool { return s.CheckedAt.Sub(last.CheckedAt) >= 2*time.Second })
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(20*time.Millisecond, "the webhook's record"), func(context.Context) error {
		if n := len(hook.posts()); n < 2 {
			return fmt.Errorf("%d posts so far", n)
		}
		return nil
	})
	posts := hook.posts()
	if len(posts) != 2 {
		t.Fatalf("%d posts, want 2 (one per flip): %v", len(posts), posts)
	}
	for i, want := range []string{"Game server is OFFLINE", "Game server is ONLINE"} {
		if c, _ := posts[i]["content"].(string); !strings.HasPrefix(c, want) {
			t.Errorf("post %d content = %q, want %q…", i+1, c, want)
		}
	}
}

// TestHungWebhookDoesNotDelayFlips: with a webhook that never answers, the next flip is
// still published within one probe round.
func TestHungWebhookDoesNotDelayFlips(t *testing.T) {
	s := newStack(t)
	g := harnesstest.GameServer(t, true)
	_, url := newWebhook(t, true)
	probeEnv(s, g.Addr, "tcp")
	s.Env["STATUS_WEBHOOK_URL"] = url
	runSnapshotter(t, s.Env)
	s.waitSnap(t, 10*time.Second, "online", func(s snapshot.Snapshot) bool { return s.Online && len(s.Probe) == 1 })
	g.Close()
	s.waitSnap(t, 3*time.Second, "offline", func(s snapshot.Snapshot) bool { return !s.Online })
	if err := g.Open(); err != nil { // the offline message is now hanging in the webhook
		t.Fatal(err)
	}
	start := time.Now()
	s.waitSnap(t, 2*time.Second, "online again within a round + 1 s", func(s snapshot.Snapshot) bool { return s.Online })
	t.Logf("online again published %v after reopening", time.Since(start))
}

// TestBadWebhookURLIsRefusedWithoutAProbe: STATUS_WEBHOOK_URL is checked at start even
// when no probe would use it, and a refusal touches nothing in STATUS_DIR.
func TestBadWebhookURLIsRefusedWithoutAProbe(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"STATUS_DIR": dir, "STATUS_WEBHOOK_URL": "ftp://hooks.example/secret-token"}
	var out bytes.Buffer
	err := run(context.Background(), []string{"snapshotter", "-once"}, harnesstest.Env(env), &out, &out, nil)
	if err == nil || !strings.Contains(err.Error(), "STATUS_WEBHOOK_URL") || strings.Contains(err.Error(), "secret-token") {
		t.Fatalf("run = %v, want a refusal naming STATUS_WEBHOOK_URL without its value", err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("STATUS_DIR after a refusal: %v, %v", entries, err)
	}
}

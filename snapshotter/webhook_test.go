package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	hstack "statusedge/internal/harness/stack"
	"statusedge/internal/snapshot"
)

// receiver stands in for Discord: it answers every POST with the status the test sets
// and keeps what it answered 2xx to (a message delivered), with its event id and when.
type receiver struct {
	mu        sync.Mutex
	status    int
	posts     int      // every POST, whatever the answer
	ids       []string // the event id of every POST
	delivered []receipt
}

type receipt struct {
	online bool
	at     string // the body's "at": the flip time
	id     string // the event id header
	when   time.Time
}

func newReceiver(t *testing.T, status int) (*receiver, string) {
	t.Helper()
	rc := &receiver{status: status}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		var m struct {
			Online *bool  `json:"online"`
			At     string `json:"at"`
		}
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil || m.Online == nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.posts++
		rc.ids = append(rc.ids, r.Header.Get("Idempotency-Key"))
		if rc.status/100 == 2 {
			rc.delivered = append(rc.delivered, receipt{*m.Online, m.At, r.Header.Get("Idempotency-Key"), time.Now()})
		}
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(srv.Close)
	return rc, srv.URL + "/api/webhooks/123/secret-token"
}

func (rc *receiver) set(status int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.status = status
}

func (rc *receiver) counts() (posts int, delivered []receipt) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.posts, append([]receipt(nil), rc.delivered...)
}

// waitRounds waits until Redis holds a probe round at least n seconds newer than the
// one there now whose verdict is online (when online is not nil): an observable pace
// instead of a sleep.
func waitRounds(t *testing.T, store *snapshot.Store, after time.Duration, online *bool, within time.Duration) {
	t.Helper()
	var since time.Time
	harnesstest.Eventually(t, within, harnesstest.Every(50*time.Millisecond, snapshot.KeyProbeRound), func(ctx context.Context) error {
		r, ok, err := store.ProbeRound(ctx)
		if err != nil {
			return err
		}
		if !ok || r.Online == nil {
			return fmt.Errorf("no probe verdict yet")
		}
		if since.IsZero() {
			since = r.At
		}
		if r.At.Sub(since) < after || (online != nil && *r.Online != *online) {
			return fmt.Errorf("round %v online %v; want %v after %v, online %v", r.At, *r.Online, after, since, online)
		}
		return nil
	})
}

// TestWebhookPendingSurvivesLeaderChange: two snapshotters probe through the leader; the
// game server goes down while the webhook answers 503, so the leader's offline message
// is in retry; the leader is stopped (SIGTERM, or SIGKILL: no chance to say anything),
// the other takes the lease, the webhook recovers: exactly one offline message is
// delivered, none twice, with the id the old leader's attempts carried.
func TestWebhookPendingSurvivesLeaderChange(t *testing.T) {
	t.Parallel() // servers of its own; it counts messages, it times nothing
	bin := fleetBin(t)
	for _, stop := range []struct {
		name string
		stop func(m *hstack.Member) error
	}{
		{"SIGTERM", func(m *hstack.Member) error { return m.Process.Stop(15 * time.Second) }},
		{"SIGKILL", func(m *hstack.Member) error { return m.Process.Kill() }},
	} {
		t.Run(stop.name, func(t *testing.T) { pendingAtLeaderChange(t, bin, stop.stop) })
	}
}

// inRetry is a fleet of two snapshotters probing one game server, with a webhook that
// answers 503: the game server has gone down, and the leader's offline message is in
// retry (an attempt and a retry seen).
type inRetry struct {
	f      *hstack.Fleet
	redis  *harness.Redis
	rc     *receiver
	store  *snapshot.Store
	leader *hstack.Member
}

func startInRetry(t *testing.T, bin string) inRetry {
	t.Helper()
	db := demoDB(t)
	r, rdb := watchedRedis(t)
	g := harnesstest.GameServer(t, true)
	rc, url := newReceiver(t, http.StatusServiceUnavailable)
	env := fleetEnv(db, map[string]string{"REDIS_URL": r.URL()})
	env["GAME_SERVER_ADDR"], env["GAME_SERVER_PROBE"] = g.Addr, "tcp"
	env["STATUS_PROBE_INTERVAL"], env["STATUS_PROBE_TIMEOUT"], env["STATUS_PROBE_FAILURES"] = "1", "1", "2"
	env["STATUS_WEBHOOK_URL"] = url
	f := startFleet(t, bin, env, 2, 0)
	store := snapshot.NewStore(rdb)
	leader := leaderOf(t, f, 10*time.Second)
	waitRounds(t, store, 0, new(true), 10*time.Second) // the leader has seen the server online
	g.Close()
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(20*time.Millisecond, "the receiver's count"), func(context.Context) error {
		if n, _ := rc.counts(); n < 2 {
			return fmt.Errorf("%d POSTs so far, want 2 (an attempt and a retry)", n)
		}
		return nil
	})
	return inRetry{f: f, redis: r, rc: rc, store: store, leader: leader}
}

func pendingAtLeaderChange(t *testing.T, bin string, stop func(*hstack.Member) error) {
	ir := startInRetry(t, bin)
	f, rc, store, old := ir.f, ir.rc, ir.store, ir.leader
	stopped := time.Now()
	if err := stop(old); err != nil {
		t.Fatal(err)
	}
	leaderOf(t, f, 3*fleetLease*time.Second, old)
	t.Logf("leader stopped; the other leads %v later", time.Since(stopped).Round(time.Millisecond))
	rc.set(http.StatusNoContent)
	harnesstest.Eventually(t, 30*time.Second, harnesstest.Every(20*time.Millisecond, "the receiver's deliveries"), func(context.Context) error {
		if _, d := rc.counts(); len(d) == 0 {
			return fmt.Errorf("no message delivered yet")
		}
		return nil
	})
	// A few more rounds of the new leader, still offline: nothing more is sent.
	waitRounds(t, store, 3*time.Second, new(false), 15*time.Second)
	posts, d := rc.counts()
	t.Logf("%d POSTs, %d delivered: %+v", posts, len(d), d)
	if len(d) != 1 || d[0].online {
		t.Fatalf("delivered %+v, want exactly one offline message", d)
	}
	// The new leader sent the old one's message: the same event id on every attempt.
	rc.mu.Lock()
	ids := rc.ids
	rc.mu.Unlock()
	for _, id := range ids {
		if id == "" || id != d[0].id {
			t.Errorf("POSTs carried Idempotency-Key %q, want the one message's id on each", ids)
			break
		}
	}
}

// TestWebhookFlappingIsDamped: a game server that goes down and up every few seconds for
// 40 s, with STATUS_WEBHOOK_MIN_GAP=10: the first offline is posted within the probe's
// bound (two failed 1-s rounds), messages are at least the gap apart (hence at most
// 1 + T/gap), and the last one says what the server ended as.
func TestWebhookFlappingIsDamped(t *testing.T) {
	const gap = 10 * time.Second
	const flapping = 40 * time.Second
	s := newStack(t)
	g := harnesstest.GameServer(t, true)
	rc, url := newReceiver(t, http.StatusNoContent)
	probeEnv(s, g.Addr, "tcp")
	s.Env["STATUS_WEBHOOK_URL"] = url
	s.Env["STATUS_WEBHOOK_MIN_GAP"] = strconv.Itoa(int(gap / time.Second))
	runSnapshotter(t, s.Env)
	store := snapshot.NewStore(s.RDB)
	waitRounds(t, store, 2*time.Second, new(true), 15*time.Second) // a quiet, online spell

	start := time.Now()
	g.Close()
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(10*time.Millisecond, "the receiver's deliveries"), func(context.Context) error {
		if _, d := rc.counts(); len(d) == 0 {
			return fmt.Errorf("no message delivered yet")
		}
		return nil
	})
	firstOffline := time.Since(start)
	// Today's probe bound: STATUS_PROBE_FAILURES (2) rounds of 1 s, each within its 1-s
	// deadline, and the POST.
	if _, d := rc.counts(); d[0].online || firstOffline > 3*time.Second+500*time.Millisecond {
		t.Errorf("first message %+v after %v, want offline within 3.5 s", d[0], firstOffline)
	}
	// Down 2-3.5 s (two failed rounds: offline), up 1-2.5 s (one good round: online).
	rnd := rand.New(rand.NewPCG(19, 2026))
	cycles := 1
	for time.Since(start) < flapping {
		if err := g.Open(); err != nil {
			t.Fatal(err)
		}
		// The sleeps are the flapping under test: the game server's up and down spells.
		time.Sleep(time.Second + time.Duration(rnd.Int64N(int64(1500*time.Millisecond))))
		g.Close()
		time.Sleep(2*time.Second + time.Duration(rnd.Int64N(int64(1500*time.Millisecond))))
		cycles++
	}
	if err := g.Open(); err != nil {
		t.Fatal(err)
	}
	// Settle: the last message says online, within the gap and a few rounds.
	harnesstest.Eventually(t, gap+10*time.Second, harnesstest.Every(50*time.Millisecond, "the receiver's last message"), func(context.Context) error {
		if _, d := rc.counts(); !d[len(d)-1].online {
			return fmt.Errorf("last message %+v, want online", d[len(d)-1])
		}
		return nil
	})
	span := time.Since(start)
	posts, d := rc.counts()
	limit := 1 + int(span/gap)
	t.Logf("first offline after %v; %d down/up cycles driven over %v; %d POSTs, %d messages (limit 1 + T/gap = %d)",
		firstOffline.Round(time.Millisecond), cycles, span.Round(time.Second), posts, len(d), limit)
	if len(d) > limit {
		t.Errorf("%d messages over %v, want at most %d", len(d), span.Round(time.Second), limit)
	}
	for i := 1; i < len(d); i++ {
		// Each send starts a gap after the previous one was answered; the receiver notes
		// each just before it answers.
		if apart := d[i].when.Sub(d[i-1].when); apart < gap-100*time.Millisecond {
			t.Errorf("messages %d and %d only %v apart, want at least %v", i, i+1, apart.Round(time.Millisecond), gap)
		}
	}
}

// TestBadWebhookGapIsRefused: STATUS_WEBHOOK_MIN_GAP is checked at start, with one line
// naming it.
func TestBadWebhookGapIsRefused(t *testing.T) {
	for _, v := range []string{"-1", "1m", "x"} {
		env := map[string]string{"STATUS_DIR": t.TempDir(), "STATUS_WEBHOOK_MIN_GAP": v}
		var out bytes.Buffer
		err := run(context.Background(), []string{"snapshotter", "-once"}, harnesstest.Env(env), &out, &out, nil)
		if err == nil || !strings.HasPrefix(err.Error(), "STATUS_WEBHOOK_MIN_GAP=") || strings.Contains(err.Error(), "\n") {
			t.Errorf("STATUS_WEBHOOK_MIN_GAP=%s: run = %v, want one line naming the variable", v, err)
		}
	}
}

package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
)

// TestPausedLeaderDoesNotResendWebhook: the leader's offline message is in retry (503);
// the leader is SIGSTOPped past its lease; the other takes over and delivers it (204).
// The old one is resumed with its back-off timer long due: it asks whether it still
// leads before posting, and delivers nothing more.
func TestPausedLeaderDoesNotResendWebhook(t *testing.T) {
	t.Parallel() // servers of its own; it counts messages, it times nothing
	bin := fleetBin(t)
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
	old := leaderOf(t, f, 10*time.Second)
	waitRounds(t, store, 0, new(true), 10*time.Second)
	g.Close()
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(20*time.Millisecond, "posts"), func(context.Context) error {
		if n, _ := rc.counts(); n < 2 {
			return fmt.Errorf("%d POSTs", n)
		}
		return nil
	})
	if err := old.Process.Pause(); err != nil {
		t.Fatal(err)
	}
	paused := time.Now()
	leaderOf(t, f, 3*fleetLease*time.Second, old)
	rc.set(http.StatusNoContent)
	// Delivered by the new leader, and the old one's back-off (1, 2, 4 s) due by now.
	harnesstest.Eventually(t, 30*time.Second, harnesstest.Every(20*time.Millisecond, "deliveries"), func(context.Context) error {
		if _, d := rc.counts(); len(d) == 0 || time.Since(paused) < 5*time.Second {
			return fmt.Errorf("%d delivered, paused %v", len(d), time.Since(paused))
		}
		return nil
	})
	logBefore := len(old.Logs())
	if err := old.Process.Resume(); err != nil {
		t.Fatal(err)
	}
	// Until its renew loop says the lease lapsed, the woken one could still post.
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(20*time.Millisecond, old.Name+"'s log"), func(context.Context) error {
		if !strings.Contains(old.Logs()[logBefore:], "leadership lost") {
			return fmt.Errorf("no \"leadership lost\" yet")
		}
		return nil
	})
	posts, d := rc.counts()
	t.Logf("%d POSTs, %d delivered: %+v", posts, len(d), d)
	if len(d) != 1 {
		t.Errorf("delivered %d times, want once", len(d))
	}
}

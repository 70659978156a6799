package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
)

// TestPendingWebhookSurvivesEmptyRedisRestart: an offline message is in retry (503) when
// Redis restarts empty (no persistence). The leader finds its lease gone, not taken, and
// takes it again rather than step down into a race; its pending message is delivered
// once (before: a replica that won the race found no server:status:webhook, took the
// offline verdict for a baseline and sent nothing).
func TestPendingWebhookSurvivesEmptyRedisRestart(t *testing.T) {
	t.Parallel() // servers of its own
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
	if err := r.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	restartRedis(t, r)
	rc.set(http.StatusNoContent)
	now := leaderOf(t, f, 10*time.Second)
	// Delivered, and the delivery recorded in the new Redis: nothing is left to send.
	harnesstest.Eventually(t, 20*time.Second, harnesstest.Every(20*time.Millisecond, "the delivery and its record"), func(ctx context.Context) error {
		if _, d := rc.counts(); len(d) == 0 {
			return fmt.Errorf("nothing delivered")
		}
		st, ok, err := store.WebhookState(ctx)
		switch {
		case err != nil:
			return err
		case !ok || st.Online || st.Pending != nil:
			return fmt.Errorf("webhook state %+v (stored %v), want offline delivered, nothing pending", st, ok)
		}
		return nil
	})
	posts, d := rc.counts()
	t.Logf("leader before %s, after %s; %d POSTs, %d delivered", old.Name, now.Name, posts, len(d))
	if len(d) != 1 {
		t.Errorf("offline delivered %d times, want once", len(d))
	}
}

package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
)

// TestPendingWebhookSurvivesEmptyRedisRestart: an offline message is in retry (503) when
// Redis restarts empty (no persistence). The leader finds its lease gone, not taken, and
// takes it again rather than step down into a race; its pending message is delivered
// once (before: a replica that won the race found no server:status:webhook, took the
// offline verdict for a baseline and sent nothing).
func TestPendingWebhookSurvivesEmptyRedisRestart(t *testing.T) {
	t.Parallel() // servers of its own
	bin := fleetBin(t)
	ir := startInRetry(t, bin)
	f, r, rc, store, old := ir.f, ir.redis, ir.rc, ir.store, ir.leader
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

package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
)

// TestPausedLeaderDoesNotResendWebhook: the leader's offline message is in retry (503);
// the leader is SIGSTOPped past its lease; the other takes over and delivers it (204).
// The old one is resumed with its back-off timer long due: it asks whether it still
// leads before posting, and delivers nothing more.
func TestPausedLeaderDoesNotResendWebhook(t *testing.T) {
	t.Parallel() // servers of its own; it counts messages, it times nothing
	bin := fleetBin(t)
	ir := startInRetry(t, bin)
	f, rc, old := ir.f, ir.rc, ir.leader
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

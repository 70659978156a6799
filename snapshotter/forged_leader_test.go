package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
)

// TestLeaderPutsItsOwnBackOverAPlausibleForgery: a forgery dated now (plausible: no clock
// can tell it) SET and announced in Redis is not taken up by the leader. It puts its own
// snapshot back at once, so every STATUS_DIR and the public URL hold the real one within
// a check and keep it (before: the leader republished the forgery, fenced, until its
// next read, 600 s here).
func TestLeaderPutsItsOwnBackOverAPlausibleForgery(t *testing.T) {
	t.Parallel() // servers of its own
	f, rdb, real := forgeryFleet(t, 1)

	forged := forge(real, 0, forgeTTL)
	data := forged.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Set(ctx, snapshot.KeyStatus, data, forgeTTL).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Publish(ctx, snapshot.Channel, data).Err(); err != nil {
		t.Fatal(err)
	}
	// Real, and past the forgery: a copy with a bigger seq than the forgery's is the
	// leader's put-back, so the forgery can no longer arrive late and replace it.
	allReal := func(context.Context) error {
		for _, m := range f.Snapshotters {
			b, _, err := snapshot.ReadFile(m.StatusDir)
			if err != nil {
				return err
			}
			if err := isReal(b, real); err != nil {
				return fmt.Errorf("%s: status.json: %w", m.Name, err)
			}
			if s, err := snapshot.Parse(b); err != nil || s.Seq <= forged.Seq {
				return fmt.Errorf("%s: status.json seq %d (%v), not yet past the forgery's %d", m.Name, s.Seq, err, forged.Seq)
			}
		}
		body, src, err := edgeGet(f.Edges[0].Addr)
		if err != nil {
			return err
		}
		if err := isReal(body, real); err != nil {
			return fmt.Errorf("public URL (%s): %w", src, err)
		}
		return nil
	}
	start := time.Now()
	harnesstest.Eventually(t, followCheck(fleetLease*time.Second)+time.Second, harnesstest.Every(10*time.Millisecond, "the disks and the public URL"), allReal)
	t.Logf("every STATUS_DIR and the public URL real again %v after the forgery", time.Since(start))
	// And they stay so: watched for 5 s (the forgery used to last until the next read).
	pace := time.NewTicker(100 * time.Millisecond) // the watch's pace: it waits for no condition
	defer pace.Stop()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); <-pace.C {
		if err := allReal(ctx); err != nil {
			t.Fatalf("%v after the forgery: %v", time.Since(start).Round(time.Millisecond), err)
		}
	}
}

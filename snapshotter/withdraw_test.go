package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"statusedge/internal/config"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// TestStartWithdrawsRemovedWorld (issue 27, defect 11): the snapshotter itself, started
// with a worlds file that no longer lists x2, withdraws x2's documents and copies from its
// STATUS_DIR before it serves. internal/replica's TestRemovedWorldWithdrawn proves what
// Withdraw removes; this proves that a start calls it (without it, x2's badge said
// "stale" forever).
func TestStartWithdrawsRemovedWorld(t *testing.T) {
	s := harnesstest.StartServers(t)
	harnesstest.DB(t, s.DB, "tz_x1", harnesstest.DemoSeed(t))
	now := time.Now().UTC().Truncate(time.Second)
	snap := snapshot.Snapshot{ServerStatus: 1, Rates: snapshot.Rates{Exp: 1, PvP: 1, PvE: 1, ColorMob: 1, Skill: 1}, ClientStatus: 256,
		UpdatedAt: now, FreshUntil: now.Add(config.DefaultTTL), Online: true, CheckedAt: now, Seq: now.UnixMilli(), Probe: []snapshot.ProbeTarget{}}
	x2 := snapshot.WorldLayout("x2")
	maxAge := nginx.Params{Interval: 60}.MaxAge()
	if err := snapshot.NewWorldPublisher(s.Dir, x2, maxAge, time.Now, time.Sleep).Publish(snap.Encode(), snap); err != nil {
		t.Fatal(err)
	}
	paths := []string{filepath.Join(s.Dir, x2.StatusFile), filepath.Join(s.Dir, x2.BadgeFile),
		nginx.DocDir(s.Dir, x2.StatusDoc), nginx.DocDir(s.Dir, x2.BadgeDoc)}
	for _, p := range paths {
		if _, err := os.Lstat(p); err != nil {
			t.Fatalf("setup: %v", err)
		}
	}
	s.Env["STATUS_WORLDS_FILE"] = writeWorldsFile(t, "x1")
	runSnapshotter(t, s.Env) // returns once it listens: the withdrawal comes before
	for _, p := range paths {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s after a start without x2 in the worlds file: %v, want it withdrawn", p, err)
		}
	}
}

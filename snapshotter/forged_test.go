package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	hstack "statusedge/internal/harness/stack"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// forge is snap with forged values, dated ahead by `ahead`.
func forge(snap snapshot.Snapshot, ahead time.Duration, ttl time.Duration) snapshot.Snapshot {
	at := time.Now().Add(ahead).UTC().Truncate(time.Second)
	snap.UpdatedAt, snap.CheckedAt, snap.FreshUntil, snap.Seq = at, at, at.Add(ttl), at.UnixMilli()
	snap.Rates.Exp, snap.Online, snap.Players = 999, false, new(int64(666))
	return snap
}

// isReal says why b is not the real snapshot's read (the leader may have put it back
// with a new seq): nil when it is.
func isReal(b []byte, real snapshot.Snapshot) error {
	got, err := snapshot.Parse(b)
	if err != nil {
		return err
	}
	if !got.UpdatedAt.Equal(real.UpdatedAt) || got.Rates != real.Rates || got.Players != nil || got.Seq < real.Seq {
		return fmt.Errorf("%s, want the real snapshot of %v (exp %v, no players)", b, real.UpdatedAt, real.Rates.Exp)
	}
	return nil
}

// forgeTTL is the fleet's STATUS_CACHE_TTL in the forgery tests.
const forgeTTL = 900 * time.Second

// forgeryFleet is two snapshotters (edges of them with nginx) on a 600-s interval, with
// the first snapshot in every STATUS_DIR: the forgery tests' stage, where nothing moves
// by itself while they watch.
func forgeryFleet(t *testing.T, edges int) (*hstack.Fleet, *redis.Client, snapshot.Snapshot) {
	t.Helper()
	bin := fleetBin(t)
	db := demoDB(t)
	r, rdb := watchedRedis(t)
	env := fleetEnv(db, map[string]string{"REDIS_URL": r.URL()})
	env["STATUS_UPDATE_INTERVAL"], env["STATUS_CACHE_TTL"] = "600", strconv.Itoa(int(forgeTTL/time.Second))
	f := startFleet(t, bin, env, 2, edges)
	realData, real := newerSnapshot(t, rdb, time.Time{}, 10*time.Second)
	if real.Players != nil {
		t.Fatalf("the demo database counts players (%d): isReal wants none", *real.Players)
	}
	sameEverywhere(t, f, realData, 5*time.Second)
	return f, rdb, real
}

// TestForgedFutureSnapshotRefused: a snapshot dated ahead of the clock, SET in Redis and
// announced on the channel (anyone with write access to a shared Redis, or a leader whose
// clock jumped), is refused by every replica and by the origin, and stays refused once
// the clock passes its date: every STATUS_DIR and both edges keep serving the real one,
// and each replica's /debug names the refusal. A forged status.json found at start is
// moved aside, not served.
func TestForgedFutureSnapshotRefused(t *testing.T) {
	t.Parallel() // servers of its own
	f, rdb, real := forgeryFleet(t, 2)

	// Dated 8 s ahead: beyond the skew now, within it 3 s later, when it must still be refused.
	const ahead = 8 * time.Second
	forged := forge(real, ahead, forgeTTL)
	data := forged.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Set(ctx, snapshot.KeyStatus, data, forgeTTL).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Publish(ctx, snapshot.Channel, data).Err(); err != nil {
		t.Fatal(err)
	}
	// A message is only a cue: a replica rereads the key, which may already hold the
	// leader's put-back by then, so a follower may never see the forgery. Every replica
	// that read it refused it, and the leader, whose put-back answers it, always reads it.
	refused := 0
	for _, m := range f.Snapshotters {
		harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(20*time.Millisecond, m.Name+" /debug"), func(ctx context.Context) error {
			d, err := memberDebug(m)
			if err != nil {
				return err
			}
			if d.LastRefused != nil && d.LastRefused.Reason == snapshot.RefusedFuture && d.LastRefused.UpdatedAt.Equal(forged.UpdatedAt) {
				refused++
				return nil
			}
			held, err := rdb.Get(ctx, snapshot.KeyStatus).Bytes()
			if err != nil {
				return err
			}
			if bytes.Equal(held, data) {
				return fmt.Errorf("last_refused %+v while Redis holds the forgery, want it refused for the future", d.LastRefused)
			}
			return nil // put back before this replica read it
		})
	}
	if refused == 0 {
		t.Fatal("no replica refused the forged snapshot: the leader reads it before its put-back")
	}
	// Past the forged date plus a follower check, the disks and edges still hold the real one.
	until := forged.UpdatedAt.Add(followCheck(fleetLease*time.Second) + time.Second)
	pace := time.NewTicker(200 * time.Millisecond) // the watch's pace: it waits for no condition
	defer pace.Stop()
	for time.Now().Before(until) {
		for _, m := range f.Snapshotters {
			b, err := os.ReadFile(filepath.Join(m.StatusDir, snapshot.FileName))
			if err != nil {
				t.Fatal(err)
			}
			if err := isReal(b, real); err != nil {
				t.Fatalf("%s: status.json: %v", m.Name, err)
			}
		}
		for i, e := range f.Edges {
			body, src, err := edgeGet(e.Addr)
			if err != nil {
				t.Fatal(err)
			}
			if err := isReal(body, real); err != nil || src != "file" {
				t.Fatalf("edge %d at %v from %q: %v; want the real snapshot from disk", i, time.Since(forged.UpdatedAt), src, err)
			}
		}
		// The origin behind each edge refuses Redis's forged value too (from MySQL, or from
		// Redis once the leader put its own back).
		for i, e := range f.Edges {
			code, a, err := askOrigin(e.OriginAddr)
			if err != nil {
				t.Fatal(err)
			}
			if code != 200 || !a.FreshUntil.Equal(real.FreshUntil) {
				t.Fatalf("origin %d: %d from %q fresh until %v, want the real snapshot's %v", i, code, a.Cache.Source, a.FreshUntil, real.FreshUntil)
			}
		}
		<-pace.C
	}
	// Redis holds the leader's again: it put its own back over the stranger's.
	gctx, gcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer gcancel()
	if b, err := rdb.Get(gctx, snapshot.KeyStatus).Bytes(); err != nil {
		t.Fatal(err)
	} else if err := isReal(b, real); err != nil {
		t.Errorf("server:status: %v", err)
	}

	// A forged status.json found at start: moved aside, and the replica serves nothing of it.
	m := f.Snapshotters[1]
	if err := m.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	forged = forge(real, time.Hour, forgeTTL)
	if err := snapshot.WriteFile(m.StatusDir, forged.Encode()); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(20*time.Millisecond, m.Name+" /debug"), func(context.Context) error {
		d, err := memberDebug(m)
		if err != nil {
			return err
		}
		if d.LastRefused == nil || d.LastRefused.Via != "start" {
			return fmt.Errorf("last_refused %+v, want the status.json found at start refused", d.LastRefused)
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(m.StatusDir, snapshot.FileName+snapshot.RefusedSuffix)); err != nil {
		t.Errorf("the forged status.json was not kept aside: %v", err)
	}
	names, err := os.ReadDir(nginx.DocDir(m.StatusDir, nginx.StatusDoc))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if b, err := os.ReadFile(filepath.Join(nginx.DocDir(m.StatusDir, nginx.StatusDoc), n.Name())); err == nil && bytes.Contains(b, []byte(`"players":666`)) {
			t.Errorf("%s: %s still holds the forged snapshot", m.Name, n.Name())
		}
	}
}

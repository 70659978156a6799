package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/lease"
	"statusedge/internal/snapshot"
)

// TestDamagedFenceSaidOnce: a fence that holds no token refuses every write of the
// leader (the snapshot each probe round and refresh, the history's minute each second),
// and each of them used to log the fence's error: a line a second for as long as it
// lasted. It is said once per damage now, again when the damage changes, and again when
// it breaks after a repair; the writes keep failing until the repair (the fence never
// resets itself).
func TestDamagedFenceSaidOnce(t *testing.T) {
	t.Parallel() // servers of its own; it counts log lines, it times nothing
	bin := fleetBin(t)
	db := demoDB(t)
	r, rdb := watchedRedis(t)
	g := harnesstest.GameServer(t, true)
	env := fleetEnv(db, map[string]string{"REDIS_URL": r.URL()})
	env["GAME_SERVER_ADDR"], env["GAME_SERVER_PROBE"] = g.Addr, "tcp"
	env["STATUS_PROBE_INTERVAL"], env["STATUS_PROBE_TIMEOUT"] = "1", "1"
	f := startFleet(t, bin, env, 1, 0)
	ld := leaderOf(t, f, 10*time.Second)
	store := snapshot.NewStore(rdb)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	waitRounds(t, store, 0, nil, 15*time.Second)

	// The whole log: Logs is its tail.
	logs := func() string {
		b, err := os.ReadFile(ld.Log)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	said := func() int { return strings.Count(logs(), "not a token") }
	damage := func(held string) {
		t.Helper()
		if err := rdb.Set(ctx, lease.KeyFence, held, 0).Err(); err != nil {
			t.Fatal(err)
		}
		// Five probe rounds (and two refreshes, five minutes of history) meet it; the
		// rounds are still stored for debug, so they can be waited on.
		waitRounds(t, store, 5*time.Second, nil, 20*time.Second)
		if got := rdb.Get(ctx, lease.KeyFence).Val(); got != held {
			t.Fatalf("fence %q turned %q: it must never reset itself", held, got)
		}
	}
	status := func() string {
		t.Helper()
		v, err := rdb.Get(ctx, snapshot.KeyStatus).Result()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	damage("abc")
	before := status()
	waitRounds(t, store, 2*time.Second, nil, 20*time.Second)
	if status() != before {
		t.Fatal("a write went through a damaged fence")
	}
	if n := said(); n != 1 {
		t.Fatalf("damaged fence said %d times over 7 probe rounds, want once:\n%s", n, logs())
	}
	if !strings.Contains(logs(), "-n 0 SET '"+lease.KeyFence+"' N") {
		t.Errorf("the log does not give the repair on this server's db:\n%s", logs())
	}

	damage("xyz") // other damage: said again
	if n := said(); n != 2 {
		t.Fatalf("said %d times after the damage changed, want 2:\n%s", n, logs())
	}

	// Repaired to the leader's own token: its writes go through again, no step-down.
	token, err := rdb.HGet(ctx, lease.KeyLeader, "token").Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, lease.KeyFence, token, 0).Err(); err != nil {
		t.Fatal(err)
	}
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(50*time.Millisecond, snapshot.KeyStatus), func(context.Context) error {
		if status() == before {
			return fmt.Errorf("no write since the repair")
		}
		return nil
	})
	if !strings.Contains(logs(), "fence repaired") {
		t.Errorf("the log does not say the fence was repaired:\n%s", logs())
	}

	damage("xyz") // the same damage as before the repair: news again
	if n := said(); n != 3 {
		t.Fatalf("said %d times after it broke again, want 3:\n%s", n, logs())
	}
}

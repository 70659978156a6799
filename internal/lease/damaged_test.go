package lease_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/lease"
	"statusedge/internal/redisconn"
	"statusedge/internal/snapshot"
)

// testLeaderKeyRebuilt (issue 27, defect 8): a plain string, or a hash that is no lease,
// in the leader key used to fail every lease call with WRONGTYPE ("isolated … Redis out
// of reach" for as long as it stayed). It reads as no lease: renewal says lost, Holder
// says free, and Acquire rebuilds it with a token above the fence, logged once.
func testLeaderKeyRebuilt(t *testing.T, rdb redis.UniversalClient) {
	ctx := timeout(t)
	for _, forge := range []struct {
		name string
		set  func() error
		says string
	}{
		{"string", func() error { return rdb.Set(ctx, lease.KeyLeader, "me", 0).Err() }, "held a string"},
		{"hash without token", func() error { return rdb.HSet(ctx, lease.KeyLeader, "holder", "a", "token", "abc").Err() }, "held a hash without"},
	} {
		t.Run(forge.name, func(t *testing.T) {
			var logged bytes.Buffer
			a := newLease(t, rdb, "a", leaseTTL)
			a.Log = slog.New(slog.NewTextHandler(&logged, nil))
			before := mustAcquire(t, a, true)
			if err := rdb.Del(ctx, lease.KeyLeader).Err(); err != nil {
				t.Fatal(err)
			}
			if err := forge.set(); err != nil {
				t.Fatal(err)
			}
			if ok, err := a.Renew(ctx); err != nil || ok {
				t.Fatalf("renew over a forged key = %v, %v; want false, nil (lost)", ok, err)
			}
			mustHolder(t, a, false)
			token := mustAcquire(t, a, true)
			if token <= before {
				t.Errorf("token after the rebuild %d, want above %d", token, before)
			}
			if info := mustHolder(t, a, true); info.Holder != "a" || info.Token != token {
				t.Errorf("holder after the rebuild %+v, want a with %d", info, token)
			}
			mustPublish(t, rdb, token, "after rebuild", true)
			mustAcquire(t, a, true) // sound now: nothing more to say
			if n := strings.Count(logged.String(), "rebuilt"); n != 1 || !strings.Contains(logged.String(), forge.says) || !strings.Contains(logged.String(), lease.KeyLeader) {
				t.Errorf("log %q: want one line naming %s and what it held", logged.String(), lease.KeyLeader)
			}
			if _, err := a.Release(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// testFenceDamaged (issue 27, defect 8): a fence that holds no token used to fail every
// write with "user_script:4: attempt to compare number with nil". Acquire and every
// fenced write now refuse with an error naming the key and the command that repairs it,
// write nothing, and leave the fence as it was: resetting it would let a deposed
// leader write again.
func testFenceDamaged(t *testing.T, rdb redis.UniversalClient) {
	ctx := timeout(t)
	a := newLease(t, rdb, "a", leaseTTL)
	token := mustAcquire(t, a, true)
	mustPublish(t, rdb, token, "before", true)
	for _, forged := range []string{"abc", "0x10", "-1", "1e3"} {
		if err := rdb.Set(ctx, lease.KeyFence, forged, 0).Err(); err != nil {
			t.Fatal(err)
		}
		_, err := snapshot.NewStore(rdb).PutFenced(ctx, token, []byte("after"), leaseTTL)
		var damaged *snapshot.DamagedFenceError
		if !errors.As(err, &damaged) || damaged.Key != lease.KeyFence {
			t.Fatalf("fence %q: put = %v, want a DamagedFenceError naming %s", forged, err, lease.KeyFence)
		}
		if msg := err.Error(); !strings.Contains(msg, `"`+forged+`"`) || !strings.Contains(msg, redisconn.CLI(rdb)+" SET '"+lease.KeyFence+"' N") {
			t.Errorf("error %q: want what the fence holds and the repair command", msg)
		}
		if _, _, err := a.Acquire(ctx); !errors.As(err, &damaged) {
			t.Errorf("fence %q: acquire = %v, want a DamagedFenceError", forged, err)
		}
		if got := rdb.Get(ctx, snapshot.KeyStatus).Val(); got != "before" {
			t.Errorf("fence %q: %s = %q, want the write refused", forged, snapshot.KeyStatus, got)
		}
		if got := rdb.Get(ctx, lease.KeyFence).Val(); got != forged {
			t.Errorf("fence %q reset to %q: it must never reset itself", forged, got)
		}
	}
	if err := rdb.Del(ctx, lease.KeyFence).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, lease.KeyFence, "x", "1").Err(); err != nil {
		t.Fatal(err)
	}
	_, err := snapshot.NewStore(rdb).PutFenced(ctx, token, []byte("after"), leaseTTL)
	if err == nil || !strings.Contains(err.Error(), "(not a string)") {
		t.Fatalf("a hash in the fence: put = %v, want a DamagedFenceError", err)
	}
	// The printed repair, pasted as an operator would (a hash needs its DEL first), reaches
	// this topology's server: writes go through again.
	if err := rdb.Del(ctx, lease.KeyFence).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, lease.KeyFence, "abc", 0).Err(); err != nil {
		t.Fatal(err)
	}
	_, err = snapshot.NewStore(rdb).PutFenced(ctx, token, []byte("after"), leaseTTL)
	harnesstest.RunRepair(t, err.Error(), " N", " "+strconv.FormatInt(token+100, 10))
	if got, err := rdb.Get(ctx, lease.KeyFence).Result(); err != nil || got != strconv.FormatInt(token+100, 10) {
		t.Fatalf("fence after the printed repair = %q (%v), want %d", got, err, token+100)
	}
	if _, _, err := a.Acquire(ctx); err != nil {
		t.Errorf("acquire after the printed repair: %v", err)
	}
}

// TestFenceRepairOnItsOwnDB: the repair a damaged fence prints reaches the deployment's
// own server and database. Before, it was a bare `redis-cli SET '<fence>' N`: on
// 127.0.0.1:6379 db 0, where another deployment's fence may be, whose leader it would
// depose, while this one's stayed damaged.
func TestFenceRepairOnItsOwnDB(t *testing.T) {
	r := harnesstest.Redis(t)
	db0 := client(t, map[string]string{"REDIS_URL": r.URL()})
	db3 := client(t, map[string]string{"REDIS_URL": "redis://" + r.Addr() + "/3"})
	ctx := timeout(t)
	if err := db0.Set(ctx, lease.KeyFence, "7", 0).Err(); err != nil { // the other deployment's
		t.Fatal(err)
	}
	if err := db3.Set(ctx, lease.KeyFence, "abc", 0).Err(); err != nil {
		t.Fatal(err)
	}
	_, _, err := newLease(t, db3, "a", leaseTTL).Acquire(ctx)
	var damaged *snapshot.DamagedFenceError
	if !errors.As(err, &damaged) {
		t.Fatalf("acquire on a damaged fence = %v, want a DamagedFenceError", err)
	}
	if !strings.Contains(err.Error(), "-p "+strings.TrimPrefix(r.Addr(), "127.0.0.1:")+" -n 3 SET") {
		t.Fatalf("error %q: want the repair on this server's db 3", err)
	}
	harnesstest.RunRepair(t, err.Error(), " N", " 1000")
	if got := db3.Get(ctx, lease.KeyFence).Val(); got != "1000" {
		t.Errorf("db 3's fence after the printed repair = %q, want 1000", got)
	}
	if got := db0.Get(ctx, lease.KeyFence).Val(); got != "7" {
		t.Errorf("db 0's fence (another deployment's) = %q after db 3's repair, want 7 untouched", got)
	}
	if token := mustAcquire(t, newLease(t, db3, "a", leaseTTL), true); token <= 1000 {
		t.Errorf("token after the repair %d, want above the repaired fence 1000", token)
	}
}

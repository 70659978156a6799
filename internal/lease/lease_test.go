package lease_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/lease"
	"statusedge/internal/redisconn"
	"statusedge/internal/snapshot"
)

const leaseTTL = 10 * time.Second

func TestLeaseSingle(t *testing.T) {
	r := harnesstest.Redis(t)
	testLease(t, client(t, map[string]string{"REDIS_URL": r.URL()}))
}

// TestLeaseCluster runs the same tests on a three-master Cluster, where a script is
// refused unless all its keys share a slot.
func TestLeaseCluster(t *testing.T) {
	c := harnesstest.Cluster(t)
	rdb := client(t, map[string]string{"REDIS_CLUSTER_ADDRS": strings.Join(c.Addrs(), ",")})
	t.Run("keys share the slot of server:status", func(t *testing.T) {
		ctx := timeout(t)
		// The default deployment's, and a named one's (its name inside the tag).
		for _, d := range []snapshot.Deployment{"", "prod"} {
			l := d.Legacy()
			want, err := rdb.ClusterKeySlot(ctx, l.Status).Result()
			if err != nil {
				t.Fatalf("cluster keyslot: %v", err)
			}
			for _, k := range []string{d.Fleet().Leader, d.Fleet().Fence, l.History + "20250101", l.IncidentNotes, l.Maintenance} {
				if got, err := rdb.ClusterKeySlot(ctx, k).Result(); err != nil || got != want {
					t.Errorf("cluster keyslot %s = %d, %v; want %d like %s", k, got, err, want, l.Status)
				}
			}
		}
	})
	testLease(t, rdb)
}

func testLease(t *testing.T, rdb redis.UniversalClient) {
	tests := []struct {
		name string
		fn   func(t *testing.T, rdb redis.UniversalClient)
	}{
		{"acquire renew release", testAcquireRenewRelease},
		{"one of many racing replicas wins", testRace},
		{"expiry then takeover with a bigger token", testTakeover},
		{"stale token refused", testStaleToken},
		{"fence lost with the data heals", testFenceLost},
		{"accepted publish is announced", testAnnounce},
		{"a leader key that is not a lease is rebuilt", testLeaderKeyRebuilt},
		{"a damaged fence is named, never reset", testFenceDamaged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := timeout(t)
			if err := rdb.Del(ctx, lease.KeyLeader, lease.KeyFence, snapshot.KeyStatus).Err(); err != nil {
				t.Fatalf("clear keys: %v", err)
			}
			tt.fn(t, rdb)
		})
	}
}

func testAcquireRenewRelease(t *testing.T, rdb redis.UniversalClient) {
	ctx := timeout(t)
	a, b := newLease(t, rdb, "a", leaseTTL), newLease(t, rdb, "b", leaseTTL)

	ta := mustAcquire(t, a, true)
	if ta < 1 {
		t.Fatalf("token %d, want >= 1", ta)
	}
	mustAcquire(t, b, false)
	if again := mustAcquire(t, a, true); again != ta {
		t.Errorf("holder acquiring again got token %d, want its own %d", again, ta)
	}
	info := mustHolder(t, a, true)
	if info.Holder != "a" || info.Token != ta || info.TTL <= 0 || info.TTL > leaseTTL {
		t.Errorf("holder = %+v, want a with token %d and ttl in (0, %s]", info, ta, leaseTTL)
	}

	// Shorten the lease by hand; a renewal must bring it back to a full ttl.
	if err := rdb.PExpire(ctx, lease.KeyLeader, 500*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	if ok, err := a.Renew(ctx); err != nil || !ok {
		t.Fatalf("holder renew = %v, %v; want true", ok, err)
	}
	if pttl := rdb.PTTL(ctx, lease.KeyLeader).Val(); pttl <= time.Second {
		t.Errorf("after renew pttl %s, want close to %s", pttl, leaseTTL)
	}
	if ok, err := b.Renew(ctx); err != nil || ok {
		t.Errorf("non-holder renew = %v, %v; want false", ok, err)
	}
	if ok, err := b.Release(ctx); err != nil || ok {
		t.Errorf("non-holder release = %v, %v; want false", ok, err)
	}
	if info := mustHolder(t, a, true); info.Holder != "a" {
		t.Errorf("after b's release the holder is %q, want a", info.Holder)
	}
	if ok, err := a.Release(ctx); err != nil || !ok {
		t.Fatalf("holder release = %v, %v; want true", ok, err)
	}
	mustHolder(t, a, false)
	if ok, err := a.Renew(ctx); err != nil || ok {
		t.Errorf("renew after release = %v, %v; want false", ok, err)
	}
	if tb := mustAcquire(t, b, true); tb <= ta {
		t.Errorf("next leader's token %d, want > %d", tb, ta)
	}
}

func testRace(t *testing.T, rdb redis.UniversalClient) {
	ctx := timeout(t)
	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []string
		errs    []error
	)
	for i := range n {
		name := fmt.Sprintf("replica%d", i)
		l := newLease(t, rdb, name, leaseTTL)
		wg.Go(func() {
			_, ok, err := l.Acquire(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			if ok {
				winners = append(winners, name)
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 || len(winners) != 1 {
		t.Fatalf("winners %v, errors %v; want exactly one winner", winners, errs)
	}
	if info := mustHolder(t, newLease(t, rdb, "x", leaseTTL), true); info.Holder != winners[0] {
		t.Errorf("holder %q, want the winner %q", info.Holder, winners[0])
	}
}

func testTakeover(t *testing.T, rdb redis.UniversalClient) {
	ctx := timeout(t)
	// a's lease is short so that it runs out for real while a is "paused".
	a, b := newLease(t, rdb, "a", 300*time.Millisecond), newLease(t, rdb, "b", leaseTTL)
	ta := mustAcquire(t, a, true)
	mustAcquire(t, b, false)
	waitNoHolder(t, b)

	tb := mustAcquire(t, b, true)
	if tb <= ta {
		t.Fatalf("takeover token %d, want > %d", tb, ta)
	}
	if ok, err := a.Renew(ctx); err != nil || ok {
		t.Errorf("old leader renew = %v, %v; want false", ok, err)
	}
	// b has not published yet; a's write must still lose to b's leadership.
	if ok, err := snapshot.NewStore(rdb).PutFenced(ctx, ta, []byte("from a"), 60*time.Second); err != nil || ok {
		t.Errorf("old leader publish before the new one's = %v, %v; want refused", ok, err)
	}
	if n := rdb.Exists(ctx, snapshot.KeyStatus).Val(); n != 0 {
		t.Errorf("%s exists after a refused publish", snapshot.KeyStatus)
	}
	mustPublish(t, rdb, tb, "from b", true)
	if got := rdb.Get(ctx, snapshot.KeyStatus).Val(); got != "from b" {
		t.Errorf("%s = %q, want the new leader's", snapshot.KeyStatus, got)
	}
}

func testStaleToken(t *testing.T, rdb redis.UniversalClient) {
	ctx := timeout(t)
	a, b := newLease(t, rdb, "a", leaseTTL), newLease(t, rdb, "b", leaseTTL)
	ta := mustAcquire(t, a, true)
	mustPublish(t, rdb, ta, "one", true)
	if ttl := rdb.TTL(ctx, snapshot.KeyStatus).Val(); ttl <= 50*time.Second || ttl > 60*time.Second {
		t.Errorf("%s ttl %s, want the 60 s given", snapshot.KeyStatus, ttl)
	}
	// a pauses; its lease is gone (deleted here, as expiry would) and b takes over.
	if err := rdb.Del(ctx, lease.KeyLeader).Err(); err != nil {
		t.Fatal(err)
	}
	tb := mustAcquire(t, b, true)
	mustPublish(t, rdb, tb, "two", true)
	// a wakes up and publishes what it read before the pause.
	mustPublish(t, rdb, ta, "stale", false)
	if got := rdb.Get(ctx, snapshot.KeyStatus).Val(); got != "two" {
		t.Errorf("%s = %q, want the newer leader's %q", snapshot.KeyStatus, got, "two")
	}
	// The newer leader keeps publishing.
	mustPublish(t, rdb, tb, "three", true)
}

// testFenceLost plays a Sentinel failover that lost the last writes: the lease and the
// fence are gone, the counter starts again, and an old leader with a bigger token is
// still running. The new leader's publish is refused until it acquires again.
func testFenceLost(t *testing.T, rdb redis.UniversalClient) {
	ctx := timeout(t)
	old, next := newLease(t, rdb, "old", leaseTTL), newLease(t, rdb, "next", leaseTTL)
	for range 3 { // push the counter up, as a few leaderships would
		mustAcquire(t, old, true)
		if _, err := old.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tOld := mustAcquire(t, old, true)
	if err := rdb.Del(ctx, lease.KeyLeader, lease.KeyFence).Err(); err != nil {
		t.Fatal(err)
	}
	tNext := mustAcquire(t, next, true)
	if tNext >= tOld {
		t.Fatalf("setup: token after the loss %d, want below the old %d", tNext, tOld)
	}
	mustPublish(t, rdb, tOld, "old", true) // nothing tells Redis it is stale: accepted
	mustPublish(t, rdb, tNext, "next", false)
	healed := mustAcquire(t, next, true)
	if healed <= tOld {
		t.Fatalf("token on acquiring again %d, want > %d", healed, tOld)
	}
	mustPublish(t, rdb, healed, "next", true)
	mustPublish(t, rdb, tOld, "old again", false)
	if got := rdb.Get(ctx, snapshot.KeyStatus).Val(); got != "next" {
		t.Errorf("%s = %q, want %q", snapshot.KeyStatus, got, "next")
	}
}

func testAnnounce(t *testing.T, rdb redis.UniversalClient) {
	ctx := timeout(t)
	sub := rdb.Subscribe(ctx, lease.Channel)
	defer sub.Close()
	// Receive returns once the subscription is confirmed; a message sent before would be lost.
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatalf("subscribe %s: %v", lease.Channel, err)
	}
	// Cluster relays PUBLISH between nodes over its bus, late enough that the earlier
	// subtests' messages can still arrive here: ours carry the test's name.
	mine := t.Name() + "/"
	a, b := newLease(t, rdb, "a", leaseTTL), newLease(t, rdb, "b", leaseTTL)
	ta := mustAcquire(t, a, true)
	mustPublish(t, rdb, ta, mine+"1", true)
	expectMessage(t, sub, mine, mine+"1")

	if err := rdb.Del(ctx, lease.KeyLeader).Err(); err != nil {
		t.Fatal(err)
	}
	tb := mustAcquire(t, b, true)
	mustPublish(t, rdb, ta, mine+"stale", false)
	mustPublish(t, rdb, tb, mine+"2", true)
	// The refused write sent nothing: the next message is the accepted one.
	expectMessage(t, sub, mine, mine+"2")
}

func TestNewRefusesBadArguments(t *testing.T) {
	if _, err := lease.New(nil, "", "", "", time.Second); err == nil {
		t.Error("empty holder accepted")
	}
	if _, err := lease.New(nil, "", "a", "", 0); err == nil {
		t.Error("zero ttl accepted")
	}
	if _, err := lease.New(nil, "", "a", "", time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestStoreRefusesBadWrites: the one writer of server:status refuses a token and TTLs
// SETEX cannot take, before any call to Redis (the client is nil).
func TestStoreRefusesBadWrites(t *testing.T) {
	ctx := timeout(t)
	store := snapshot.NewStore(nil)
	if _, err := store.PutFenced(ctx, 0, []byte("x"), time.Minute); err == nil {
		t.Error("token 0 accepted")
	}
	if _, err := store.PutFenced(ctx, 1, []byte("x"), 900*time.Millisecond); err == nil {
		t.Error("ttl under a second accepted for SETEX")
	}
	if err := store.Put(ctx, []byte("x"), 900*time.Millisecond); err == nil {
		t.Error("ttl under a second accepted for SETEX by Put")
	}
}

func client(t *testing.T, env map[string]string) redis.UniversalClient {
	t.Helper()
	o, err := redisconn.Load(harnesstest.Env(env))
	if err != nil {
		t.Fatal(err)
	}
	rdb := o.Client(2 * time.Second)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func timeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newLease(t *testing.T, rdb redis.UniversalClient, holder string, ttl time.Duration) *lease.Lease {
	t.Helper()
	l, err := lease.New(rdb, "", holder, "", ttl)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func mustAcquire(t *testing.T, l *lease.Lease, wantOK bool) int64 {
	t.Helper()
	token, ok, err := l.Acquire(timeout(t))
	if err != nil {
		t.Fatal(err)
	}
	if ok != wantOK {
		t.Fatalf("acquire ok = %v (token %d), want %v", ok, token, wantOK)
	}
	return token
}

func mustPublish(t *testing.T, rdb redis.UniversalClient, token int64, data string, wantAccepted bool) {
	t.Helper()
	ok, err := snapshot.NewStore(rdb).PutFenced(timeout(t), token, []byte(data), 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if ok != wantAccepted {
		t.Fatalf("publish %q with token %d: accepted = %v, want %v", data, token, ok, wantAccepted)
	}
}

func mustHolder(t *testing.T, l *lease.Lease, wantOK bool) lease.Info {
	t.Helper()
	info, ok, err := l.Holder(timeout(t))
	if err != nil {
		t.Fatal(err)
	}
	if ok != wantOK {
		t.Fatalf("holder = %+v, held %v; want held %v", info, ok, wantOK)
	}
	return info
}

// waitNoHolder waits for the lease to expire, looking at it the way another replica would.
func waitNoHolder(t *testing.T, l *lease.Lease) {
	t.Helper()
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(20*time.Millisecond, "the lease key"), func(ctx context.Context) error {
		info, ok, err := l.Holder(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return fmt.Errorf("still held: %+v", info)
		}
		return nil
	})
}

// expectMessage reads sub up to the next message whose payload starts with prefix and
// expects it to be want.
func expectMessage(t *testing.T, sub *redis.PubSub, prefix, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		msg, err := sub.ReceiveMessage(ctx)
		if err != nil {
			t.Fatalf("waiting for %q on %s: %v", want, lease.Channel, err)
		}
		if !strings.HasPrefix(msg.Payload, prefix) {
			continue
		}
		if msg.Channel != lease.Channel || msg.Payload != want {
			t.Errorf("message on %s = %q, want %q on %s", msg.Channel, msg.Payload, want, lease.Channel)
		}
		return
	}
}

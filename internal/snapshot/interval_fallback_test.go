package snapshot_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
)

// A world's own live-interval key that is invalid must not hide a valid
// global config:status_interval (spec: "config:status_interval:<id>, else config:status_interval").
func TestBadWorldIntervalFallsBackToGlobal(t *testing.T) {
	r := harnesstest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l := snapshot.WorldLayout("x50")
	s := snapshot.NewWorldStore(rdb, l)
	if err := rdb.Set(ctx, snapshot.KeyInterval, "30", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"bogus", "3", "120"} { // not a number, below 5, not below the TTL
		if err := rdb.Set(ctx, l.Interval, bad, 0).Err(); err != nil {
			t.Fatal(err)
		}
		if in := s.Interval(ctx, time.Minute, 90*time.Second); in.Every != 30*time.Second {
			t.Errorf("world key %q (ignored) with global 30: interval %v (from %s), want the global 30s", bad, in.Every, in.Key)
		}
	}
}

package snapshot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
)

func TestResolveInterval(t *testing.T) {
	const configured, ttl = 60 * time.Second, 90 * time.Second
	readErr := errors.New("redis get: connection refused")
	tests := []struct {
		name         string
		value        string
		set          bool
		readErr      error
		want         time.Duration
		override     bool
		wantsWarning bool
	}{
		{"absent", "", false, nil, configured, false, false},
		{"valid", "30", true, nil, 30 * time.Second, true, false},
		{"lowest bound", "5", true, nil, 5 * time.Second, true, false},
		{"below bounds", "4", true, nil, configured, false, true},
		{"zero", "0", true, nil, configured, false, true},
		{"not a number", "soon", true, nil, configured, false, true},
		{"fraction", "1.5", true, nil, configured, false, true},
		{"equal to the TTL", "90", true, nil, configured, false, true},
		{"above the TTL", "120", true, nil, configured, false, true},
		{"above bounds", "86401", true, nil, configured, false, true},
		{"unreadable", "", false, readErr, configured, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := snapshot.ResolveInterval(configured, ttl, tt.value, tt.set, tt.readErr)
			if got.Every != tt.want || got.Override != tt.override || (got.Ignored != nil) != tt.wantsWarning {
				t.Errorf("ResolveInterval(%q) = %+v, want %v override=%v warning=%v", tt.value, got, tt.want, tt.override, tt.wantsWarning)
			}
		})
	}
	// Above MaxInterval but below a TTL that large: the bounds still hold.
	if got := snapshot.ResolveInterval(configured, 200000*time.Second, "90000", true, nil); got.Override {
		t.Errorf("override above 86400 s applied: %+v", got)
	}
}

// TestStoreAgainstRedis: the typed expiry and the interval read from a real Redis.
func TestStoreAgainstRedis(t *testing.T) {
	r := harnesstest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	s := snapshot.NewStore(rdb)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	e, err := s.TTL(ctx)
	if err != nil || e.Exists || e.Seconds() != -2 {
		t.Errorf("absent key: %+v seconds=%d err=%v", e, e.Seconds(), err)
	}
	if err := rdb.Set(ctx, snapshot.KeyStatus, "{}", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if e, err := s.TTL(ctx); err != nil || !e.Exists || e.Expires || e.Seconds() != -1 {
		t.Errorf("key without expiry: %+v seconds=%d err=%v", e, e.Seconds(), err)
	}
	if err := s.Put(ctx, []byte("{}"), 90*time.Second); err != nil {
		t.Fatal(err)
	}
	if e, err := s.TTL(ctx); err != nil || !e.Exists || !e.Expires || e.Left < 89*time.Second || e.Left > 90*time.Second || e.Seconds() < 89 {
		t.Errorf("key with 90 s TTL: %+v seconds=%d err=%v", e, e.Seconds(), err)
	}

	if in := s.Interval(ctx, time.Minute, 90*time.Second); in.Every != time.Minute || in.Override || in.Ignored != nil {
		t.Errorf("no override: %+v", in)
	}
	if err := rdb.Set(ctx, snapshot.KeyInterval, "30", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if in := s.Interval(ctx, time.Minute, 90*time.Second); in.Every != 30*time.Second || !in.Override {
		t.Errorf("override 30: %+v", in)
	}
	r.Stop()
	if in := s.Interval(ctx, time.Minute, 90*time.Second); in.Every != time.Minute || in.Ignored == nil {
		t.Errorf("Redis down: %+v, want the configured interval and the reason", in)
	}
}

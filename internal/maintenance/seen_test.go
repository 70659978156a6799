package maintenance_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/maintenance"
)

// TestSeenFirstPublishStays: a window's first publish is kept by the first Mark (any
// replica's), not moved by later ones; a window that ended a week ago is dropped.
func TestSeenFirstPublishStays(t *testing.T) {
	_, rdb, ctx := testStore(t)
	s := maintenance.NewSeen(rdb, "{world:x1}:maintenance:published")
	first := utc("2026-12-02T08:00:00Z")
	w := maintenance.Window{From: utc("2026-12-02T10:00:00Z"), Until: utc("2026-12-02T11:00:00Z")}
	old := maintenance.Window{From: utc("2026-11-20T10:00:00Z"), Until: utc("2026-11-20T11:00:00Z")}
	if _, err := s.Mark(ctx, []maintenance.Window{w, old}, utc("2026-11-20T09:00:00Z")); err != nil {
		t.Fatal(err)
	}
	got, err := s.Mark(ctx, []maintenance.Window{w}, first)
	if err != nil {
		t.Fatal(err)
	}
	if at := got[maintenance.SeenField(w)]; !at.Equal(utc("2026-11-20T09:00:00Z")) {
		t.Fatalf("first published %v, want the first Mark's time", at)
	}
	later, err := s.Mark(ctx, []maintenance.Window{w}, first.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if at := later[maintenance.SeenField(w)]; !at.Equal(utc("2026-11-20T09:00:00Z")) {
		t.Errorf("a later Mark moved it to %v", at)
	}
	if _, ok := later[maintenance.SeenField(old)]; ok {
		t.Errorf("a window ended 12 days ago still remembered: %v", later)
	}
	if n, err := rdb.HLen(ctx, "{world:x1}:maintenance:published").Result(); err != nil || n != 1 {
		t.Errorf("the hash holds %d fields (%v), want 1", n, err)
	}
}

// TestSeenWrongTypeRebuilt: the first-publish hash forged as another type (a string, a
// list) used to fail every historian pass with WRONGTYPE, naming no repair. It is
// rebuilt at the first Mark, said once with the key and what it held, and each window is
// marked published from then on; later passes say nothing.
func TestSeenWrongTypeRebuilt(t *testing.T) {
	const key = "{world:x1}:maintenance:published"
	for _, forge := range []struct {
		held string
		set  func(ctx context.Context, rdb *redis.Client) error
	}{
		{"string", func(ctx context.Context, rdb *redis.Client) error { return rdb.Set(ctx, key, "garbage", 0).Err() }},
		{"list", func(ctx context.Context, rdb *redis.Client) error { return rdb.RPush(ctx, key, "a").Err() }},
	} {
		t.Run(forge.held, func(t *testing.T) {
			_, rdb, ctx := testStore(t)
			var logged bytes.Buffer
			s := maintenance.NewSeen(rdb, key)
			s.Log = slog.New(slog.NewTextHandler(&logged, nil))
			if err := forge.set(ctx, rdb); err != nil {
				t.Fatal(err)
			}
			w := maintenance.Window{From: utc("2026-12-02T10:00:00Z"), Until: utc("2026-12-02T11:00:00Z")}
			now := utc("2026-12-02T09:00:00Z")
			for i := range 3 { // three historian passes
				got, err := s.Mark(ctx, []maintenance.Window{w}, now.Add(time.Duration(i)*time.Minute))
				if err != nil {
					t.Fatalf("pass %d: Mark over a %s: %v", i, forge.held, err)
				}
				if at := got[maintenance.SeenField(w)]; !at.Equal(now) {
					t.Fatalf("pass %d: first published %v, want the rebuild's pass %v", i, at, now)
				}
			}
			if typ, err := rdb.Type(ctx, key).Result(); err != nil || typ != "hash" {
				t.Errorf("key is a %q (%v) after the rebuild, want a hash", typ, err)
			}
			if n := strings.Count(logged.String(), "rebuilt"); n != 1 || !strings.Contains(logged.String(), key) || !strings.Contains(logged.String(), "held a "+forge.held) {
				t.Errorf("log %q: want one line naming %s and what it held", logged.String(), key)
			}
		})
	}
}

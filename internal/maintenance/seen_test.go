package maintenance_test

import (
	"testing"
	"time"

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

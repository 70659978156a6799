package snapshot

import (
	"errors"
	"testing"
	"time"
)

func TestPlausible(t *testing.T) {
	ttl := 15 * time.Minute
	base, _ := Build(nil, now, ttl)
	for _, tt := range []struct {
		name   string
		change func(*Snapshot)
		reason string // "" when taken
	}{
		{"as built", func(*Snapshot) {}, ""},
		{"updated_at within the skew", func(s *Snapshot) { s.UpdatedAt, s.FreshUntil = now.Add(MaxSkew), now.Add(MaxSkew+ttl) }, ""},
		{"updated_at past the skew", func(s *Snapshot) {
			s.UpdatedAt, s.FreshUntil = now.Add(MaxSkew+time.Second), now.Add(MaxSkew+time.Second+ttl)
		}, RefusedFuture},
		{"updated_at a day ahead", func(s *Snapshot) { s.UpdatedAt, s.FreshUntil = now.Add(24*time.Hour), now.Add(24*time.Hour+ttl) }, RefusedFuture},
		{"checked_at ahead", func(s *Snapshot) { s.CheckedAt = now.Add(time.Minute) }, RefusedFuture},
		{"seq ahead", func(s *Snapshot) { s.Seq = now.Add(time.Minute).UnixMilli() }, RefusedFuture},
		{"a longer window", func(s *Snapshot) { s.FreshUntil = s.UpdatedAt.Add(ttl + time.Second) }, RefusedWindow},
		{"a year's window", func(s *Snapshot) { s.FreshUntil = s.UpdatedAt.AddDate(1, 0, 0) }, RefusedWindow},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			tt.change(&s)
			err := s.Plausible(now, ttl)
			var refused *Implausible
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.reason != "" && (!errors.As(err, &refused) || refused.Reason != tt.reason):
				t.Errorf("got %v, want a refusal for %q", err, tt.reason)
			}
		})
	}
}

func TestNewer(t *testing.T) {
	a, _ := Build(nil, now, time.Minute)
	b := a
	b.Seq++
	switch {
	case !b.Newer(a, false) || a.Newer(b, false):
		t.Error("a bigger seq is not newer")
	case a.Newer(a, false):
		t.Error("the same seq replaces itself")
	}
	// Before seq existed: updated_at, then different bytes of one read.
	old, older := a, a
	old.Seq, older.Seq = 0, 0
	older.UpdatedAt = a.UpdatedAt.Add(-time.Second)
	switch {
	case !old.Newer(older, false) || older.Newer(old, false):
		t.Error("without seq, a later updated_at is not newer")
	case !old.Newer(old, false) || old.Newer(old, true):
		t.Error("without seq, one read's other bytes are not taken, or its same bytes are")
	}
	// A new seq'd snapshot against a copy written before seq existed, and back.
	if !b.Newer(old, false) {
		t.Error("a later-seq snapshot of the same read does not replace a seq-less copy")
	}
	later := old
	later.UpdatedAt = b.UpdatedAt.Add(time.Minute)
	if later.Newer(b, false) {
		t.Error("a snapshot without seq replaced one with seq")
	}
}

func TestNextSeq(t *testing.T) {
	if got := NextSeq(0, now); got != now.UnixMilli() {
		t.Errorf("first seq %d, want the clock's %d", got, now.UnixMilli())
	}
	ahead := now.UnixMilli() + 500
	if got := NextSeq(ahead, now); got != ahead+1 {
		t.Errorf("after a seq ahead of the clock: %d, want %d", got, ahead+1)
	}
}

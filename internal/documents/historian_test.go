package documents

import (
	"testing"
	"time"

	"statusedge/internal/history"
	"statusedge/internal/snapshot"
)

// TestHistorianChanged: a pass follows a Touch only when a world's status word changed
// since the last one looked at (the first look always changed).
func TestHistorianChanged(t *testing.T) {
	eu, us := &copyOf{}, &copyOf{}
	h := &Historian{worlds: []World{{Copy: eu}, {Copy: us}}}
	steps := []struct {
		name string
		eu   string // "" for no copy
		want bool
	}{
		{"first look", "", true},
		{"nothing yet", "", false},
		{"first status", snapshot.StatusOnline, true},
		{"same word", snapshot.StatusOnline, false},
		{"flip", snapshot.StatusOffline, true},
		{"maintenance", snapshot.StatusMaintenance, true},
	}
	for _, s := range steps {
		eu.s = nil
		if s.eu != "" {
			eu.s = &snapshot.Snapshot{Status: s.eu}
		}
		if got := h.changed(); got != s.want {
			t.Fatalf("%s: changed() = %v, want %v", s.name, got, s.want)
		}
	}
}

// TestViewBehind: the record is behind a fresh status that it does not tell yet (an
// ongoing incident while online, none while offline); stale, maintenance and no status
// have nothing to catch up with, and an unread record always is.
func TestViewBehind(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	snap := func(status string, fresh bool) *snapshot.Snapshot {
		until := now.Add(time.Minute)
		if !fresh {
			until = now.Add(-time.Second)
		}
		return &snapshot.Snapshot{Status: status, Online: status == snapshot.StatusOnline, FreshUntil: until}
	}
	ongoing := history.Document{Incidents: []history.Incident{{Ongoing: true}}}
	over := history.Document{Incidents: []history.Incident{{Ongoing: false}}}
	for _, c := range []struct {
		name string
		v    view
		want bool
	}{
		{"unread record", view{}, true},
		{"no status", view{ok: true}, false},
		{"online, none ongoing", view{ok: true, snap: snap(snapshot.StatusOnline, true), doc: over}, false},
		{"online, one ongoing", view{ok: true, snap: snap(snapshot.StatusOnline, true), doc: ongoing}, true},
		{"offline, one ongoing", view{ok: true, snap: snap(snapshot.StatusOffline, true), doc: ongoing}, false},
		{"offline, none ongoing", view{ok: true, snap: snap(snapshot.StatusOffline, true), doc: over}, true},
		{"offline but stale", view{ok: true, snap: snap(snapshot.StatusOffline, false)}, false},
		{"maintenance", view{ok: true, snap: snap(snapshot.StatusMaintenance, true)}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.v.behind(now); got != c.want {
				t.Errorf("behind = %v, want %v", got, c.want)
			}
		})
	}
}

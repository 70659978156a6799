package documents

import (
	"testing"

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

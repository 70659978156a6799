package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"statusedge/internal/maintenance"
)

// TestIncidentListPrintable (issue 27, defect 8): a title with ESC and BEL forged into
// Redis (the store takes any text; the commands refuse it) is printed by `incident list`
// with each control character replaced: an operator's terminal never runs it.
func TestIncidentListPrintable(t *testing.T) {
	now := time.Now()
	stores, worlds := incidentStores(t, now, []string{""}, "")
	w := worlds[""]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	title := &maintenance.Text{EN: "down\x1b]0;owned\x07\x1b[2J", RU: "упал\u009b31m"}
	if err := w.store.AddNote(ctx, w.ongoing, title, nil, now); err != nil {
		t.Fatal(err)
	}
	out, err := runIncident(ctx, stores, now, "list")
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out, "\x1b\x07\u009b") {
		t.Errorf("incident list printed a control character:\n%q", out)
	}
	if !strings.Contains(out, "down\ufffd]0;owned\ufffd\ufffd[2J / упал\ufffd31m") {
		t.Errorf("incident list:\n%s\nwant the title with each control character replaced", out)
	}
}

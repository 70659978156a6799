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
// with each control character replaced: an operator's terminal never runs it. Nor
// any other character the commands refuse as unprintable: a bidi override (U+202E
// reverses what follows on a terminal and on the page), a line separator (U+2028).
func TestIncidentListPrintable(t *testing.T) {
	now := time.Now()
	stores, worlds := incidentStores(t, now, []string{""}, "")
	w := worlds[""]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	title := &maintenance.Text{EN: "down\x1b]0;owned\x07\x1b[2J\u202egnp.exe\u2028x", RU: "упал\u009b31m"}
	if err := w.store.AddNote(ctx, w.ongoing, title, nil, now); err != nil {
		t.Fatal(err)
	}
	out, err := runIncident(ctx, stores, now, "list")
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out, "\x1b\x07\u009b\u202e\u2028") {
		t.Errorf("incident list printed a control character:\n%q", out)
	}
	if !strings.Contains(out, "down\ufffd]0;owned\ufffd\ufffd[2J\ufffdgnp.exe\ufffdx / упал\ufffd31m") {
		t.Errorf("incident list:\n%s\nwant the title with each control character replaced", out)
	}
}

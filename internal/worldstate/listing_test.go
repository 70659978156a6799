package worldstate

import (
	"testing"
	"time"

	"statusedge/internal/maintenance"
)

// TestListing: each window says where it comes from (the command line's, the file's, the
// file's recurring ones); the active one is apart, and is the one At gives; the list ends
// at the span.
func TestListing(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	cmd := maintenance.Window{From: now.Add(-time.Minute), Until: now.Add(time.Hour), Message: maintenance.Text{EN: "cmd", RU: "кмд"}}
	file := maintenance.Window{From: now.Add(48 * time.Hour), Until: now.Add(49 * time.Hour), Message: maintenance.Text{EN: "file", RU: "файл"}}
	edge := maintenance.Window{From: now.Add(7 * 24 * time.Hour), Until: now.Add(7*24*time.Hour + time.Hour), Message: maintenance.Text{EN: "edge", RU: "край"}}
	far := maintenance.Window{From: now.Add(8 * 24 * time.Hour), Until: now.Add(8*24*time.Hour + time.Hour), Message: maintenance.Text{EN: "far", RU: "далеко"}}
	weekly := maintenance.Recurring{Weekdays: []time.Weekday{time.Friday}, Hour: 4, Duration: time.Hour, Location: time.UTC, Message: maintenance.Text{EN: "weekly", RU: "еженедельно"}}
	p := Plan{File: maintenance.Schedule{OneOff: []maintenance.Window{file, edge, far}, Recurring: []maintenance.Recurring{weekly}}, Command: []maintenance.Window{cmd}}

	active, next := p.Listing(now, 7*24*time.Hour)
	if at, _ := p.At(now); active == nil || active.Source != "command line" || active.Message.EN != "cmd" || at == nil || !at.From.Equal(active.From) {
		t.Fatalf("active %+v (At: %+v), want the command line's", active, at)
	}
	var got []string
	for _, w := range next {
		got = append(got, w.Message.EN+" ["+w.Source+"]")
	}
	// 2026-12-02 is a Wednesday: one Friday 04:00 within the week, before the edge.
	want := []string{"weekly [file, recurring]", "file [file]", "edge [file]"}
	if len(got) != len(want) {
		t.Fatalf("next %q, want %q (the far one is past 7 days)", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("next %q, want %q", got, want)
			break
		}
	}
}

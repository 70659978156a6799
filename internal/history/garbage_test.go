package history_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"statusedge/internal/history"
)

// TestForgedNotesAndDays (issue 27, defect 8): notes forged in Redis, one with an ESC
// (a terminal escape sequence) in its title, one not JSON, and a day key that is a
// hash. The history document holds no control character, the garbage is logged once
// per key however many passes read it, and a key repaired and damaged again is told
// again.
func TestForgedNotesAndDays(t *testing.T) {
	s, rdb := testStore(t)
	ctx := testContext(t)
	var logged bytes.Buffer
	s.Log = slog.New(slog.NewTextHandler(&logged, nil))
	now := time.Now().UTC()
	minute := now.Truncate(time.Minute).Add(-5 * time.Minute)
	record(t, ctx, s, 1, minute.Add(-time.Minute), history.Up)
	record(t, ctx, s, 1, minute, history.Down)
	record(t, ctx, s, 1, minute.Add(time.Minute), history.Up)
	id := minute.Format(history.IDLayout)
	forged := `{"title":{"en":"down\u001b[2J\u001b]0;owned\u0007","ru":"\u009b31mупал"},"updates":[{"at":"2026-01-01T00:00:00Z","message":{"en":"a\nb","ru":"в"}}]}`
	if err := rdb.HSet(ctx, testKeys.Notes, id, forged, "20260101T0000Z", "not json").Err(); err != nil {
		t.Fatal(err)
	}
	yesterday := testKeys.Days + now.AddDate(0, 0, -1).Format("20060102")
	if err := rdb.HSet(ctx, yesterday, "x", "1").Err(); err != nil {
		t.Fatal(err)
	}
	var body []byte
	for range 3 { // three historian passes
		cells, err := s.Minutes(ctx, history.Start(now), now.Truncate(time.Minute).Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		notes, err := s.Notes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if body, err = json.Marshal(history.Build("", now, cells, notes, nil, nil)); err != nil {
			t.Fatal(err)
		}
	}
	var doc history.Document
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Incidents) != 1 || doc.Incidents[0].Title == nil {
		t.Fatalf("incidents %+v, want the one with its forged note", doc.Incidents)
	}
	inc := doc.Incidents[0]
	for _, text := range []string{inc.Title.EN, inc.Title.RU, inc.Updates[0].Message.EN} {
		if strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }) {
			t.Errorf("a control character reached the document: %q", text)
		}
	}
	if inc.Title.EN != "down\ufffd[2J\ufffd]0;owned\ufffd" || inc.Updates[0].Message.EN != "a\ufffdb" {
		t.Errorf("title %q, message %q: want each control character replaced", inc.Title.EN, inc.Updates[0].Message.EN)
	}
	for _, want := range []string{"unprintable characters in a note", "not an incident's note", "not a day of minutes"} {
		if n := strings.Count(logged.String(), want); n != 1 {
			t.Errorf("%q logged %d times in three passes, want once:\n%s", want, n, logged.String())
		}
	}
	if !strings.Contains(logged.String(), yesterday) || !strings.Contains(logged.String(), testKeys.Notes+" "+id) {
		t.Errorf("the log does not name the keys:\n%s", logged.String())
	}
	// Repaired, then damaged again: told again.
	if err := rdb.HSet(ctx, testKeys.Notes, "20260101T0000Z", `{"title":null,"updates":[]}`).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, testKeys.Notes, "20260101T0000Z", "still not json").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notes(ctx); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logged.String(), "not an incident's note"); n != 2 {
		t.Errorf("a note damaged again told %d times in all, want 2", n)
	}
}

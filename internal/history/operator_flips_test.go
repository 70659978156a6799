package history_test

import (
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/history"
	"statusedge/internal/maintenance"
)

// TestNoteFollowsTheFlips: two outages a few seconds apart share their down minutes, and
// the published history shows them as two incidents (WithFlips). An operator's note on
// the "ongoing" incident goes to the second one, the incident readers see as ongoing, and
// shows on it; not on the first, resolved one that keeps the run's minute ID.
func TestNoteFollowsTheFlips(t *testing.T) {
	keys := testKeys
	keys.Flips = "{world:x1}:flips"
	rdb := testClient(t, harnesstest.Redis(t).Addr())
	s := history.NewStore(rdb, keys)
	ctx := testContext(t)
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	now := t0.Add(3*time.Minute + 30*time.Second)
	for m := range 3 {
		if ok, err := s.Record(ctx, 5, t0.Add(time.Duration(m)*time.Minute), history.Down); err != nil || !ok {
			t.Fatalf("record minute %d: %v, %v", m, ok, err)
		}
	}
	for _, f := range []history.Flip{{Online: false, At: t0.Add(10 * time.Second)}, {Online: true, At: t0.Add(20 * time.Second)},
		{Online: false, At: t0.Add(30 * time.Second)}} {
		if ok, err := s.RecordFlip(ctx, 5, f); err != nil || !ok {
			t.Fatalf("flip %+v: %v, %v", f, ok, err)
		}
	}
	title := &maintenance.Text{EN: "Login down", RU: "Вход не работает"}
	msg := &maintenance.Text{EN: "Restarting", RU: "Перезапускаем"}
	inc, err := history.AddOperatorNote(ctx, map[string]*history.Store{"": s}, now,
		history.NoteRequest{ID: "ongoing", Title: title, Message: msg})
	if err != nil {
		t.Fatalf("note: %v", err)
	}
	if want := "20261202T100030Z"; inc.ID != want || !inc.Ongoing {
		t.Fatalf("noted incident %s (ongoing %v), want %s, the ongoing one", inc.ID, inc.Ongoing, want)
	}
	incs, err := s.IncidentsAt(ctx, now)
	if err != nil {
		t.Fatalf("incidents: %v", err)
	}
	if len(incs) != 2 {
		t.Fatalf("incidents %+v, want the two the flips say", incs)
	}
	if incs[0].ID != "20261202T100030Z" || incs[0].Title == nil || *incs[0].Title != *title || len(incs[0].Updates) != 1 {
		t.Errorf("ongoing incident %+v, want the note on it", incs[0])
	}
	if incs[1].ID != "20261202T1000Z" || incs[1].Title != nil || len(incs[1].Updates) != 0 {
		t.Errorf("resolved incident %+v, want it without the note", incs[1])
	}
}

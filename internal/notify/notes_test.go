package notify

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"statusedge/internal/maintenance"
)

// TestNoteBody pins the plain webhook body of an operator's note: the sentence in
// content and text, and the note's fields under "note".
func TestNoteBody(t *testing.T) {
	b, err := json.Marshal(Pending{Kind: IncidentNote, At: note.At, Note: &note}.message(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"content":"Incident 20261126T1200Z: Login down / Вход не работает: We are restarting the auth service \u003cdb\u003e \u0026 cache / Перезапускаем сервис входа \u003cdb\u003e \u0026 cache","text":"Incident 20261126T1200Z: Login down / Вход не работает: We are restarting the auth service \u003cdb\u003e \u0026 cache / Перезапускаем сервис входа \u003cdb\u003e \u0026 cache","online":false,"at":"2026-11-26T12:10:00Z","targets":[],"note":{"event":"incident_note","incident":"20261126T1200Z","title":{"en":"Login down","ru":"Вход не работает"},"message":{"en":"We are restarting the auth service \u003cdb\u003e \u0026 cache","ru":"Перезапускаем сервис входа \u003cdb\u003e \u0026 cache"}}}`
	if string(b) != want {
		t.Errorf("body = %s\nwant   %s", b, want)
	}
}

// TestNotesOlderThanTheStateAreNotSent: a State from before notes were told (or a new
// deployment) records the newest note it first sees and sends nothing for it; the next
// note is sent, once, after the flip pending at the same time.
func TestNotesOlderThanTheStateAreNotSent(t *testing.T) {
	reqs := make(chan request, 10)
	store := &memStore{st: State{Online: true, At: at.Add(-time.Hour), DeliveredAt: at.Add(-time.Hour), ID: "before"}, ok: true}
	n, logs := start(t, recording(reqs, func(int) int { return http.StatusNoContent }), Options{State: store})
	cur := offline(at)
	cur.Note, cur.NotesRead = &note, true
	n.Observe(cur)
	if r := receive(t, reqs); !strings.Contains(string(r.body), `"content":"Game server is OFFLINE`) {
		t.Fatalf("first message %s, want the offline flip (the old note is not news)", r.body)
	}
	logs.waitLog(t, "webhook delivered")
	if st, _, _ := store.WebhookState(t.Context()); !st.NotesKnown || !st.NoteAt.Equal(note.At) {
		t.Errorf("state %+v: want the old note recorded as known", st)
	}
	newer := note
	newer.At, newer.Message = note.At.Add(5*time.Minute), maintenance.Text{EN: "Fixed", RU: "Исправлено"}
	cur.Note = &newer
	cur.Online, cur.Targets = true, nil
	n.Observe(cur)
	// The flip to online first, then the note: the state goes before an operator's word.
	if r := receive(t, reqs); !strings.Contains(string(r.body), `"content":"Game server is ONLINE"`) {
		t.Errorf("second message %s, want the online flip", r.body)
	}
	if r := receive(t, reqs); !strings.Contains(string(r.body), `"content":"Incident 20261126T1200Z: Login down / Вход не работает: Fixed / Исправлено"`) {
		t.Errorf("third message %s, want the new note", r.body)
	}
	logs.waitLog(t, "webhook delivered")
	logs.waitLog(t, "webhook delivered")
	n.Observe(cur)
	select {
	case r := <-reqs:
		t.Errorf("a fourth message %s: the note was told already", r.body)
	default:
	}
	if st, _, _ := store.WebhookState(t.Context()); !st.NoteAt.Equal(newer.At) || st.Pending != nil {
		t.Errorf("state %+v: want the new note told, nothing pending", st)
	}
}

// TestNotesUnreadAreNotBaselined: before the notes were read (Redis failed), a verdict
// leaves the notes unknown, so that the first read's note is recorded, not sent.
func TestNotesUnreadAreNotBaselined(t *testing.T) {
	st := State{Online: true}
	if p := st.next(Event{Online: true, Note: &note}, at); p != nil {
		t.Errorf("next = %+v with notes not read, want nothing", p)
	}
	st.NotesKnown, st.NoteAt = true, note.At.Add(-time.Minute)
	if p := st.next(Event{Online: true, Note: &note, NotesRead: true}, at); p == nil || p.Kind != IncidentNote || !p.same(&Pending{Kind: IncidentNote, Note: &note}) {
		t.Errorf("next = %+v, want the note", p)
	}
	w := maintenance.Window{From: at, Until: at.Add(time.Hour)}
	if p := st.next(Event{Online: true, Note: &note, NotesRead: true, Maintenance: &w}, at); p == nil || p.Kind != MaintenanceStarted {
		t.Errorf("next = %+v, want the window's start before the note", p)
	}
}

package notify

import "time"

// Kind says what a message tells.
type Kind string

// The kinds of message. A State saved before maintenance messages existed has no kind
// on its pending message: a flip.
const (
	Flip               Kind = ""                    // the game server went online or offline
	MaintenanceStarted Kind = "maintenance_started" // a planned window began
	MaintenanceEnded   Kind = "maintenance_ended"   // the window the readers were told of is over
	IncidentNote       Kind = "incident_note"       // an operator's message on an incident
)

// next is the message the readers need, given the verdict cur and what they were told
// (st), or nil when they need none; now dates the end of a window cut short. A window
// is told of once, by its From, and stands in for the flips while it is active: the
// flips resume after it against what the readers were told before it.
func (st *State) next(cur Event, now time.Time) *Pending {
	if p := st.nextState(cur, now); p != nil {
		return p
	}
	// An operator's note comes after the state: a flip pending or held by the gap goes
	// first, and the note follows it.
	if n := cur.Note; n != nil && cur.NotesRead && st.NotesKnown && n.At.After(st.NoteAt) {
		told := *n
		return &Pending{Kind: IncidentNote, Online: cur.Online, At: n.At, Note: &told}
	}
	return nil
}

// nextState is the flip or window message the readers need (next without the notes).
func (st *State) nextState(cur Event, now time.Time) *Pending {
	w := cur.Maintenance
	switch {
	case st.Window != nil && (w == nil || !w.From.Equal(st.Window.From)):
		// Over: at its Until, or earlier when the operator cut it short or the next
		// window started.
		end := st.Window.Until
		if w != nil && w.From.Before(end) {
			end = w.From
		}
		if now.Before(end) {
			end = now
		}
		told := *st.Window
		return &Pending{Kind: MaintenanceEnded, Online: cur.Online, At: end, Window: &told}
	case w != nil && !w.From.Equal(st.Announced):
		told := *w
		return &Pending{Kind: MaintenanceStarted, Online: cur.Online, At: w.From, Window: &told}
	case w != nil:
		// Inside the window told of (or one whose end was told already, seen again on a
		// clock a little behind): no flip is told, whatever the probe says.
		return nil
	case cur.Online != st.Online:
		return &Pending{Online: cur.Online, At: cur.At}
	}
	return nil
}

// follow keeps the window told of as the operator edits it (its end, its message),
// so that its end is told with what it became; it says whether st changed.
func (st *State) follow(cur Event) bool {
	w, told := cur.Maintenance, st.Window
	if w == nil || told == nil || !w.From.Equal(told.From) {
		return false
	}
	// Equal rather than ==: a recurring window is computed again each round, with a
	// Location of its own, and must not count as an edit.
	if w.Until.Equal(told.Until) && w.Message == told.Message && w.Recurring == told.Recurring {
		return false
	}
	edited := *w
	st.Window = &edited
	return true
}

// same says whether p and q tell the same thing, so that a pending message keeps its id
// (and its given-up mark) for as long as it is the one the readers need.
func (p *Pending) same(q *Pending) bool {
	if p.Kind != q.Kind {
		return false
	}
	if p.Kind == Flip {
		return p.Online == q.Online
	}
	if p.Kind == IncidentNote {
		return p.Note != nil && q.Note != nil && p.Note.At.Equal(q.Note.At)
	}
	return p.Window != nil && q.Window != nil && p.Window.From.Equal(q.Window.From)
}

// told records that the readers acknowledged p.
func (st *State) told(p Pending, at time.Time) {
	switch p.Kind {
	case Flip:
		st.Online, st.At = p.Online, p.At
	case MaintenanceStarted:
		st.Window, st.Announced = p.Window, p.Window.From
	case MaintenanceEnded:
		st.Window = nil
	case IncidentNote:
		st.NoteAt = p.Note.At
	}
	st.DeliveredAt, st.ID, st.Pending = at, p.ID, nil
}

// gapped says whether p waits for the minimum gap. A maintenance message or a note does not
// (an operator writes a note to be read now): a
// planned window is announced on time and its end follows it; there are two per window,
// so they cannot flood a channel the way a flapping server would; notes are written by hand.
func (p *Pending) gapped() bool { return p.Kind == Flip }

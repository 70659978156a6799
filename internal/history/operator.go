package history

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"statusedge/internal/maintenance"
)

// Caps on an operator's note: a title is a heading, a message a paragraph or two, and the
// HTTP body holds one note.
const (
	MaxNoteBody     = 64 << 10
	maxTitleChars   = 200
	maxMessageChars = 2000
)

// NoteRequest is an operator's note on an incident, from `snapshotter incident note` or
// POST /incidents/notes. ID is an incident's ID, "ongoing" or "latest".
type NoteRequest struct {
	World   string            `json:"world"`
	ID      string            `json:"id"`
	Title   *maintenance.Text `json:"title"`
	Message *maintenance.Text `json:"message"`
}

// Refusal says why a note was refused, for the caller to answer by (HTTP: 400, 404, 409).
type Refusal int

// The refusals of a note.
const (
	Invalid  Refusal = iota // the operator's mistake
	NotFound                // no such world or incident
	Full                    // the incident holds its most updates
)

// NoteError is a note refused for the operator to read as is: never the snapshotter's
// failure, never logged as one.
type NoteError struct {
	Why Refusal
	msg string
}

func (e *NoteError) Error() string { return e.msg }

func badNote(format string, args ...any) error {
	return &NoteError{Invalid, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &NoteError{NotFound, fmt.Sprintf(format, args...)}
}

// checkText refuses half a translation or an overlong text: the page shows both
// languages, and a note in one would leave the other blank.
func checkText(what string, t *maintenance.Text, limit int) error {
	if t == nil {
		return nil
	}
	t.EN, t.RU = strings.TrimSpace(t.EN), strings.TrimSpace(t.RU)
	if t.EN == "" || t.RU == "" {
		return badNote("%s: en and ru go together: give both", what)
	}
	for _, l := range [2]struct{ lang, s string }{{"en", t.EN}, {"ru", t.RU}} {
		if n := utf8.RuneCountInString(l.s); n > limit {
			return badNote("%s.%s: %d characters, at most %d", what, l.lang, n, limit)
		}
		// Shown on the page and in an operator's terminal (incident list): no control
		// characters (escape sequences), no line breaks, one line of text.
		if i := strings.IndexFunc(l.s, func(r rune) bool { return !unicode.IsPrint(r) }); i >= 0 {
			return badNote("%s.%s: a control character or line break at byte %d: want one line of printable text", what, l.lang, i)
		}
	}
	return nil
}

// Check refuses a note with nothing in it, half a translation or an overlong text, and
// trims the texts it keeps.
func (q *NoteRequest) Check() error {
	if q.Title == nil && q.Message == nil {
		return badNote("nothing to note: give a title or a message, in en and ru")
	}
	if err := checkText("title", q.Title, maxTitleChars); err != nil {
		return err
	}
	return checkText("message", q.Message, maxMessageChars)
}

// StoreOf is the store of world: "" alone without a worlds file, a named one with it.
func StoreOf(stores map[string]*Store, world string) (*Store, error) {
	if s, ok := stores[""]; ok && len(stores) == 1 {
		if world != "" {
			return nil, badNote("world %q: there is no worlds file, so no world to name", world)
		}
		return s, nil
	}
	names := strings.Join(slices.Sorted(maps.Keys(stores)), ", ")
	if world == "" {
		return nil, badNote("which world? name one of: %s", names)
	}
	s, ok := stores[world]
	if !ok {
		return nil, notFound("no world %q (worlds: %s)", world, names)
	}
	return s, nil
}

// IncidentsAt are the incidents of the last 90 days at now, from the record itself, so
// that an ID is one the history document shows or counts (all of them, not only the
// ones it lists in full): split by the flips as the document splits them, so that
// "ongoing" is the incident readers see ongoing, not the run's first, resolved one.
func (s *Store) IncidentsAt(ctx context.Context, now time.Time) ([]Incident, error) {
	cells, err := s.Minutes(ctx, Start(now), now.UTC().Truncate(time.Minute).Add(time.Minute))
	if err != nil {
		return nil, err
	}
	notes, err := s.Notes(ctx)
	if err != nil {
		return nil, err
	}
	flips, err := s.Flips(ctx)
	if err != nil {
		return nil, err
	}
	return WithNotes(WithFlips(Incidents(now, cells, notes), flips, now), notes), nil
}

// pickIncident finds id among incs (newest first): "ongoing", "latest" or an ID.
func pickIncident(incs []Incident, id string) (Incident, error) {
	switch id {
	case "ongoing":
		if len(incs) > 0 && incs[0].Ongoing {
			return incs[0], nil
		}
		return Incident{}, notFound("no incident is ongoing: name one with its id, or latest")
	case "latest":
		if len(incs) > 0 {
			return incs[0], nil
		}
		return Incident{}, notFound("no incident in the last %d days", Days)
	}
	for _, inc := range incs {
		if inc.ID == id {
			return inc, nil
		}
	}
	if _, err := ParseID(id); err != nil {
		return Incident{}, badNote("incident id %q: want ongoing, latest or an id such as %s or %s", id, IDLayout, SplitIDLayout)
	}
	return Incident{}, notFound("no incident %s in the last %d days", id, Days)
}

// AddOperatorNote checks q, attaches it to its incident at now and returns the incident
// with its note. A refusal is a *NoteError; any other error is the store's.
func AddOperatorNote(ctx context.Context, stores map[string]*Store, now time.Time, q NoteRequest) (Incident, error) {
	if err := q.Check(); err != nil {
		return Incident{}, err
	}
	s, err := StoreOf(stores, q.World)
	if err != nil {
		return Incident{}, err
	}
	incs, err := s.IncidentsAt(ctx, now)
	if err != nil {
		return Incident{}, err
	}
	inc, err := pickIncident(incs, q.ID)
	if err != nil {
		return Incident{}, err
	}
	if err := s.AddNote(ctx, inc.ID, q.Title, q.Message, now); errors.Is(err, ErrTooManyUpdates) {
		return Incident{}, &NoteError{Full, "incident " + inc.ID + ": " + err.Error()}
	} else if err != nil {
		return Incident{}, err
	}
	notes, err := s.Notes(ctx)
	if err != nil {
		return Incident{}, err
	}
	if n, ok := notes[inc.ID]; ok {
		inc.Title, inc.Updates = n.Title, n.Updates
	}
	return inc, nil
}

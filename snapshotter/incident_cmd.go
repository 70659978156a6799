package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"statusedge/internal/history"
	"statusedge/internal/maintenance"
)

// Caps on an operator's note: a title is a heading, a message a paragraph or two, and the
// HTTP body holds one note.
const (
	maxNoteBody     = 64 << 10
	maxTitleChars   = 200
	maxMessageChars = 2000
)

// noteRequest is an operator's note on an incident, from `snapshotter incident note` or
// POST /incidents/notes. ID is an incident's ID, "ongoing" or "latest".
type noteRequest struct {
	World   string            `json:"world"`
	ID      string            `json:"id"`
	Title   *maintenance.Text `json:"title"`
	Message *maintenance.Text `json:"message"`
}

// incidentError is the operator's mistake (400) or a world or incident not found (404):
// told to the operator as is, never logged as the snapshotter's failure.
type incidentError struct {
	status int
	msg    string
}

func (e *incidentError) Error() string { return e.msg }

func badNote(format string, args ...any) error {
	return &incidentError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &incidentError{http.StatusNotFound, fmt.Sprintf(format, args...)}
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

func (q *noteRequest) check() error {
	if q.Title == nil && q.Message == nil {
		return badNote("nothing to note: give a title or a message, in en and ru")
	}
	if err := checkText("title", q.Title, maxTitleChars); err != nil {
		return err
	}
	return checkText("message", q.Message, maxMessageChars)
}

// storeOf is the store of world: "" alone without a worlds file, a named one with it.
func storeOf(stores map[string]*history.Store, world string) (*history.Store, error) {
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

// incidentsOf are the incidents of the last 90 days at now, from the record itself, so
// that an ID is one the history document shows or counts (all of them, not only the
// ones it lists in full).
func incidentsOf(ctx context.Context, s *history.Store, now time.Time) ([]history.Incident, error) {
	cells, err := s.Minutes(ctx, history.Start(now), now.UTC().Truncate(time.Minute).Add(time.Minute))
	if err != nil {
		return nil, err
	}
	notes, err := s.Notes(ctx)
	if err != nil {
		return nil, err
	}
	return history.Incidents(now, cells, notes), nil
}

// pickIncident finds id among incs (newest first): "ongoing", "latest" or an ID.
func pickIncident(incs []history.Incident, id string) (history.Incident, error) {
	switch id {
	case "ongoing":
		if len(incs) > 0 && incs[0].Ongoing {
			return incs[0], nil
		}
		return history.Incident{}, notFound("no incident is ongoing: name one with its id, or latest")
	case "latest":
		if len(incs) > 0 {
			return incs[0], nil
		}
		return history.Incident{}, notFound("no incident in the last %d days", history.Days)
	}
	for _, inc := range incs {
		if inc.ID == id {
			return inc, nil
		}
	}
	if _, err := time.Parse(history.IDLayout, id); err != nil {
		return history.Incident{}, badNote("incident id %q: want ongoing, latest or an id such as %s", id, history.IDLayout)
	}
	return history.Incident{}, notFound("no incident %s in the last %d days", id, history.Days)
}

// addIncidentNote attaches q to its incident at now and returns the incident with its note.
func addIncidentNote(ctx context.Context, stores map[string]*history.Store, now time.Time, q noteRequest) (history.Incident, error) {
	if err := q.check(); err != nil {
		return history.Incident{}, err
	}
	s, err := storeOf(stores, q.World)
	if err != nil {
		return history.Incident{}, err
	}
	incs, err := incidentsOf(ctx, s, now)
	if err != nil {
		return history.Incident{}, err
	}
	inc, err := pickIncident(incs, q.ID)
	if err != nil {
		return history.Incident{}, err
	}
	if err := s.AddNote(ctx, inc.ID, q.Title, q.Message, now); errors.Is(err, history.ErrTooManyUpdates) {
		return history.Incident{}, &incidentError{http.StatusConflict, "incident " + inc.ID + ": " + err.Error()}
	} else if err != nil {
		return history.Incident{}, err
	}
	notes, err := s.Notes(ctx)
	if err != nil {
		return history.Incident{}, err
	}
	if n, ok := notes[inc.ID]; ok {
		inc.Title, inc.Updates = n.Title, n.Updates
	}
	return inc, nil
}

// incidentCommand is `snapshotter incident note [-world ID] [-id ID|ongoing|latest]
// [-title-en T -title-ru T] [-message-en M -message-ru M]` and `snapshotter incident list
// [-world ID]`, which prints the incidents of 90 days as a table. args are the words
// after "incident". stores is by world id: "" alone without a worlds file (-world is then
// refused); with one, -world is required.
func incidentCommand(ctx context.Context, args []string, stores map[string]*history.Store, now func() time.Time, stdout, stderr io.Writer) error {
	const usage = "usage: snapshotter incident note|list [flags] (-h after either lists them)"
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("incident "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	world := fs.String("world", "", "the world's id (with a worlds file)")
	switch args[0] {
	case "note":
		id := fs.String("id", "ongoing", "the incident: its id (as listed), ongoing or latest")
		titleEN := fs.String("title-en", "", "the incident's title in English (sets or replaces it; with -title-ru)")
		titleRU := fs.String("title-ru", "", "the incident's title in Russian (with -title-en)")
		msgEN := fs.String("message-en", "", "an update's message in English (added to the incident; with -message-ru)")
		msgRU := fs.String("message-ru", "", "an update's message in Russian (with -message-en)")
		if err := parseIncidentFlags(fs, args[1:]); err != nil {
			return err
		}
		q := noteRequest{World: *world, ID: *id}
		if *titleEN != "" || *titleRU != "" {
			q.Title = &maintenance.Text{EN: *titleEN, RU: *titleRU}
		}
		if *msgEN != "" || *msgRU != "" {
			q.Message = &maintenance.Text{EN: *msgEN, RU: *msgRU}
		}
		inc, err := addIncidentNote(ctx, stores, now(), q)
		if err != nil {
			return fmt.Errorf("incident note: %w", err)
		}
		fmt.Fprintf(stdout, "noted incident %s (%s)\n", inc.ID, updates(len(inc.Updates)))
		return printIncidents(stdout, []history.Incident{inc})
	case "list":
		if err := parseIncidentFlags(fs, args[1:]); err != nil {
			return err
		}
		s, err := storeOf(stores, *world)
		if err != nil {
			return fmt.Errorf("incident list: %w", err)
		}
		incs, err := incidentsOf(ctx, s, now())
		if err != nil {
			return fmt.Errorf("incident list: %w", err)
		}
		if len(incs) == 0 {
			fmt.Fprintf(stdout, "no incidents in the last %d days\n", history.Days)
			return nil
		}
		return printIncidents(stdout, incs)
	}
	return fmt.Errorf("incident %q: %s", args[0], usage)
}

// updates counts an incident's updates in words: "no updates", "1 update", "2 updates".
func updates(n int) string {
	switch n {
	case 0:
		return "no updates"
	case 1:
		return "1 update"
	}
	return fmt.Sprintf("%d updates", n)
}

// parseIncidentFlags parses args and refuses words left over: a value without its flag
// is a typo, not something to ignore.
func parseIncidentFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("incident %s: unexpected %q (flags only)", strings.TrimPrefix(fs.Name(), "incident "), fs.Arg(0))
	}
	return nil
}

// printIncidents writes incs as a table: id, start, end, minutes, title.
func printIncidents(w io.Writer, incs []history.Incident) error {
	const at = "2006-01-02 15:04Z"
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED\tENDED\tMINUTES\tTITLE")
	for _, inc := range incs {
		end, title := "ongoing", "-"
		if inc.EndedAt != nil {
			end = inc.EndedAt.Format(at)
		}
		if inc.Title != nil {
			title = inc.Title.EN + " / " + inc.Title.RU
		}
		// Printable again: an operator's terminal must never run an escape sequence,
		// whatever the store let through.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", inc.ID, inc.StartedAt.Format(at), end, inc.Minutes, history.Printable(title))
	}
	return tw.Flush()
}

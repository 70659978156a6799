package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"statusedge/internal/history"
	"statusedge/internal/maintenance"
)

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
		q := history.NoteRequest{World: *world, ID: *id}
		if *titleEN != "" || *titleRU != "" {
			q.Title = &maintenance.Text{EN: *titleEN, RU: *titleRU}
		}
		if *msgEN != "" || *msgRU != "" {
			q.Message = &maintenance.Text{EN: *msgEN, RU: *msgRU}
		}
		inc, err := history.AddOperatorNote(ctx, stores, now(), q)
		if err != nil {
			return fmt.Errorf("incident note: %w", err)
		}
		fmt.Fprintf(stdout, "noted incident %s (%s)\n", inc.ID, updates(len(inc.Updates)))
		return printIncidents(stdout, []history.Incident{inc})
	case "list":
		if err := parseIncidentFlags(fs, args[1:]); err != nil {
			return err
		}
		s, err := history.StoreOf(stores, *world)
		if err != nil {
			return fmt.Errorf("incident list: %w", err)
		}
		incs, err := s.IncidentsAt(ctx, now())
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

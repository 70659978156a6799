package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"statusedge/internal/maintenance"
	"statusedge/internal/worlds"
	"statusedge/internal/worldstate"
)

// maintenanceTimeout bounds the command's Redis calls: an operator at a terminal should
// get an error, not a hang, when Redis is away.
const maintenanceTimeout = 10 * time.Second

// fileEditBound is the longest an edit of the maintenance file takes to reach the status
// (a Reread, then the leader's next tick), with room: the contract's one probe round.
const fileEditBound = 5 * time.Second

// listSpan is how far ahead `maintenance list` looks.
const listSpan = 7 * 24 * time.Hour

// maintenanceCommand is `snapshotter maintenance start [-world ID] -until 14:30|RFC3339 [-from now|HH:MM|RFC3339] [-tz Europe/Moscow] -message-en M -message-ru M`,
// `snapshotter maintenance end [-world ID]` and `snapshotter maintenance list [-world ID]`
// (file and command-line windows of the next 7 days and the active one). args are those
// after "maintenance". stores are by world id ("" only without a worlds file, where
// -world is refused; with one, -world is required: an id or "all"); files are the
// maintenance file's schedules by world id (nil without a file); fileErr is why the file
// could not be read (its windows are then left out, and the command says so on stderr).
//
// HH:MM is the next such wall time in -tz (default: now's zone, the local zone of TZ),
// after now for -from and after the start for -until; an -until that would lie more than
// 12 h after the start ("until 13:00" typed at 14:02, 23 h) is refused as a slip, with the
// RFC 3339 time and the -for that would say it. -for 90m is the end as a duration. The
// resolved window is printed in UTC and in the zone for the operator to see.
func maintenanceCommand(ctx context.Context, args []string, stores map[string]*maintenance.Store, files map[string]maintenance.Schedule, fileErr error, now func() time.Time, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("maintenance: want start, end or list")
	}
	fs := flag.NewFlagSet("maintenance "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	world := fs.String("world", "", `the world's id, or "all" (only with a worlds file)`)
	tz := fs.String("tz", "", "the IANA zone of HH:MM times and of the times printed (default: the local zone, TZ)")
	var from, until, en, ru *string
	var length *time.Duration
	switch args[0] {
	case "start":
		from = fs.String("from", "now", "start: now, HH:MM or RFC 3339")
		until = fs.String("until", "", "end: HH:MM (at most 12 h after the start) or RFC 3339 (this or -for)")
		length = fs.Duration("for", 0, "end: this long after the start, such as 90m (this or -until)")
		en = fs.String("message-en", "", "the message in English (required)")
		ru = fs.String("message-ru", "", "the message in Russian (required)")
	case "end", "list":
	default:
		return fmt.Errorf("maintenance %q: want start, end or list", args[0])
	}
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("maintenance %s: %w", args[0], err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("maintenance %s: unexpected argument %q", args[0], fs.Arg(0))
	}
	if fileErr != nil {
		fmt.Fprintf(stderr, "maintenance %s: the maintenance file's windows are left out: %v\n", args[0], fileErr)
	}
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "world" })
	ids, err := worlds.Select(*world, set, slices.Sorted(maps.Keys(stores)))
	if err != nil {
		return fmt.Errorf("maintenance %s: %w", args[0], err)
	}
	t := now()
	loc := t.Location()
	if *tz != "" {
		if loc, err = time.LoadLocation(*tz); err != nil {
			return fmt.Errorf("maintenance %s: -tz %q: not an IANA zone; want one such as Europe/Moscow", args[0], *tz)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, maintenanceTimeout)
	defer cancel()
	switch args[0] {
	case "start":
		w, err := maintenance.Resolve(*from, *until, *length, t, loc)
		if err != nil {
			return fmt.Errorf("maintenance start: %w", err)
		}
		w.Message = maintenance.Text{EN: *en, RU: *ru}
		for _, id := range ids {
			if err := stores[id].Add(ctx, w, t); err != nil {
				return fmt.Errorf("maintenance start: %s: %w", worldLabel(id), err)
			}
			fmt.Fprintf(stdout, "%s: maintenance %s\n", worldLabel(id), span(w, loc))
		}
	case "end":
		for _, id := range ids {
			ended, err := stores[id].End(ctx, t)
			if err != nil {
				return fmt.Errorf("maintenance end: %s: %w", worldLabel(id), err)
			}
			if ended {
				fmt.Fprintf(stdout, "%s: maintenance ended at %s\n", worldLabel(id), maintenance.Stamp(t, loc))
			} else {
				fmt.Fprintf(stdout, "%s: no command-line window holds now\n", worldLabel(id))
			}
			// The file's windows are the file's: say so, or the operator wonders why the
			// page still says maintenance.
			if w := files[id].Active(t); w != nil {
				fmt.Fprintf(stdout, "%s: a window of the maintenance file holds now, %s; to end it, edit %s: the running programs read it again and the status follows within %s, no restart\n",
					worldLabel(id), span(*w, loc), maintenance.Env, maintenance.Human(fileEditBound))
			}
		}
	case "list":
		for _, id := range ids {
			if err := listWindows(ctx, stdout, id, stores[id], files[id], t, loc); err != nil {
				return fmt.Errorf("maintenance list: %s: %w", worldLabel(id), err)
			}
		}
	}
	return nil
}

// listWindows prints the window active at now and those starting in the next 7 days,
// the file's and the command line's.
func listWindows(ctx context.Context, out io.Writer, id string, store *maintenance.Store, file maintenance.Schedule, now time.Time, loc *time.Location) error {
	cmd, err := store.Windows(ctx)
	if err != nil {
		return err
	}
	line := func(w worldstate.Listed) string {
		return fmt.Sprintf("%s [%s] %q / %q", span(w.Window, loc), w.Source, w.Message.EN, w.Message.RU)
	}
	active, next := worldstate.Plan{File: file, Command: cmd}.Listing(now, listSpan)
	fmt.Fprintf(out, "%s:\n", worldLabel(id))
	if active != nil {
		fmt.Fprintf(out, "  active: %s\n", line(*active))
	} else {
		fmt.Fprintln(out, "  active: none")
	}
	if len(next) == 0 {
		fmt.Fprintln(out, "  next 7 days: none")
		return nil
	}
	fmt.Fprintln(out, "  next 7 days:")
	for _, w := range next {
		fmt.Fprintf(out, "    %s\n", line(w))
	}
	return nil
}

// worldLabel names a world in the command's output.
func worldLabel(id string) string {
	if id == "" {
		return "status page"
	}
	return "world " + id
}

// span prints a window in UTC and in loc.
func span(w maintenance.Window, loc *time.Location) string {
	s := fmt.Sprintf("from %s until %s", maintenance.Stamp(w.From, time.UTC), maintenance.Stamp(w.Until, time.UTC))
	if loc != time.UTC && loc.String() != "UTC" {
		s += fmt.Sprintf(" (%s: %s until %s)", loc, maintenance.Stamp(w.From, loc), maintenance.Stamp(w.Until, loc))
	}
	return s
}

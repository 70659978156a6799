package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"statusedge/internal/maintenance"
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

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)

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
	ids, err := maintenanceWorlds(*world, set, stores)
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
		w, err := resolveWindow(*from, *until, *length, t, loc)
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
				fmt.Fprintf(stdout, "%s: maintenance ended at %s\n", worldLabel(id), stamp(t, loc))
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

// maintenanceWorlds are the world ids -world names.
func maintenanceWorlds(world string, set bool, stores map[string]*maintenance.Store) ([]string, error) {
	if _, single := stores[""]; single && len(stores) == 1 {
		if set {
			return nil, errors.New("-world: there is no worlds file (STATUS_WORLDS_FILE); leave -world out")
		}
		return []string{""}, nil
	}
	ids := slices.Sorted(maps.Keys(stores))
	switch _, ok := stores[world]; {
	case world == "all":
		return ids, nil
	case world == "":
		return nil, fmt.Errorf("-world: required with a worlds file; want one of %s, or all", strings.Join(ids, ", "))
	case !ok:
		return nil, fmt.Errorf("-world %q: not a world of the worlds file; want one of %s, or all", world, strings.Join(ids, ", "))
	}
	return []string{world}, nil
}

// slip is how far after the start an HH:MM -until may lie: "until 13:00" typed at 14:02
// is a time just past, not a window of 23 hours, and an overnight window ("until 06:00"
// at 22:00) is within it.
const slip = 12 * time.Hour

// resolveWindow reads -from and -until (or -for) at now in loc.
func resolveWindow(from, until string, length time.Duration, now time.Time, loc *time.Location) (maintenance.Window, error) {
	var w maintenance.Window
	var err error
	if from == "now" {
		w.From = now
	} else if w.From, err = readTime("-from", from, now, loc); err != nil {
		return w, err
	}
	switch {
	case until != "" && length != 0:
		return w, errors.New("-until and -for: give one of them")
	case length < 0:
		return w, fmt.Errorf("-for %s: want a positive duration such as 90m", length)
	case length > 0:
		w.Until = w.From.Add(length)
		return w, nil
	case until == "":
		return w, errors.New("-until: missing; want HH:MM or an RFC 3339 time (or -for 90m)")
	}
	// -from 14:00 -until 16:00 at 15:00 is tomorrow's 14:00 to 16:00: the end follows the start.
	start := later(now, w.From)
	if w.Until, err = readTime("-until", until, start, loc); err != nil {
		return w, err
	}
	if d := w.Until.Sub(start); hhmm.MatchString(until) && d > slip {
		return w, fmt.Errorf("-until %s: the next %s is %s, %s after the start (more than %s: a time already past today?); if that end is meant, give -until %s or -for %s",
			until, until, stamp(w.Until, loc), maintenance.Human(d), maintenance.Human(slip), w.Until.In(loc).Format(time.RFC3339), flagDuration(d))
	}
	return w, nil
}

// flagDuration is d as -for takes it, to the minute ("22h58m").
func flagDuration(d time.Duration) string {
	d = d.Truncate(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// readTime reads HH:MM (the next such wall time in loc after after) or RFC 3339.
func readTime(flagName, v string, after time.Time, loc *time.Location) (time.Time, error) {
	if m := hhmm.FindStringSubmatch(v); m != nil {
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		// A daily recurring window of a nanosecond gives the next such wall time with the
		// file's rules for DST gaps and overlaps, so both read 02:30 alike.
		r := maintenance.Recurring{Hour: h, Minute: mi, Duration: time.Nanosecond, Location: loc}
		for _, o := range r.Occurrences(after, after.Add(49*time.Hour)) {
			if o.From.After(after) {
				return o.From, nil
			}
		}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want HH:MM (00:00 to 23:59) or an RFC 3339 time such as 2026-12-10T14:30:00+03:00", flagName, v)
	}
	return t, nil
}

// listWindows prints the window active at now and those starting in the next 7 days,
// the file's and the command line's.
func listWindows(ctx context.Context, out io.Writer, id string, store *maintenance.Store, file maintenance.Schedule, now time.Time, loc *time.Location) error {
	cmd, err := store.Windows(ctx)
	if err != nil {
		return err
	}
	source := func(w maintenance.Window) string {
		switch {
		case w.Recurring:
			return "file, recurring"
		case slices.ContainsFunc(cmd, func(c maintenance.Window) bool { return sameWindow(c, w) }):
			return "command line"
		}
		return "file"
	}
	line := func(w maintenance.Window) string {
		return fmt.Sprintf("%s [%s] %q / %q", span(w, loc), source(w), w.Message.EN, w.Message.RU)
	}
	all := worldstate.Plan{File: file, Command: cmd}.Schedule()
	fmt.Fprintf(out, "%s:\n", worldLabel(id))
	if w := all.Active(now); w != nil {
		fmt.Fprintf(out, "  active: %s\n", line(*w))
	} else {
		fmt.Fprintln(out, "  active: none")
	}
	var next []string
	for _, w := range all.Windows(now, now.Add(listSpan).Add(time.Nanosecond)) {
		if w.From.After(now) {
			next = append(next, line(w))
		}
	}
	if len(next) == 0 {
		fmt.Fprintln(out, "  next 7 days: none")
		return nil
	}
	fmt.Fprintln(out, "  next 7 days:")
	for _, l := range next {
		fmt.Fprintf(out, "    %s\n", l)
	}
	return nil
}

func sameWindow(a, b maintenance.Window) bool {
	return a.From.Equal(b.From) && a.Until.Equal(b.Until) && a.Message == b.Message && a.Recurring == b.Recurring
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
	s := fmt.Sprintf("from %s until %s", stamp(w.From, time.UTC), stamp(w.Until, time.UTC))
	if loc != time.UTC && loc.String() != "UTC" {
		s += fmt.Sprintf(" (%s: %s until %s)", loc, stamp(w.From, loc), stamp(w.Until, loc))
	}
	return s
}

func stamp(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04 MST") }

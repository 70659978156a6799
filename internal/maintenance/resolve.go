package maintenance

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// hhmm is a wall time as an operator types it at a terminal.
var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)

// Slip is how far after the start an HH:MM end may lie: "until 13:00" typed at 14:02
// is a time just past, not a window of 23 hours, and an overnight window ("until 06:00"
// at 22:00) is within it.
const Slip = 12 * time.Hour

// Resolve reads a command line's window at now in loc: from is "now", HH:MM (the next
// such wall time in loc after now) or RFC 3339; the end is until (HH:MM, the next such
// wall time after the start, at most Slip after it; or RFC 3339) or length after the
// start, one of the two. The errors name the flags -from, -until and -for.
func Resolve(from, until string, length time.Duration, now time.Time, loc *time.Location) (Window, error) {
	var w Window
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
	if d := w.Until.Sub(start); hhmm.MatchString(until) && d > Slip {
		return w, fmt.Errorf("-until %s: the next %s is %s, %s after the start (more than %s: a time already past today?); if that end is meant, give -until %s or -for %s",
			until, until, Stamp(w.Until, loc), Human(d), Human(Slip), w.Until.In(loc).Format(time.RFC3339), flagDuration(d))
	}
	return w, nil
}

// flagDuration is d as -for takes it, to the minute ("22h58m").
func flagDuration(d time.Duration) string {
	d = d.Truncate(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// readTime reads HH:MM (the next such wall time in loc after after) or RFC 3339.
func readTime(flagName, v string, after time.Time, loc *time.Location) (time.Time, error) {
	if m := hhmm.FindStringSubmatch(v); m != nil {
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		// A daily recurring window of a nanosecond gives the next such wall time with the
		// file's rules for DST gaps and overlaps, so both read 02:30 alike.
		r := Recurring{Hour: h, Minute: mi, Duration: time.Nanosecond, Location: loc}
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

// Stamp is t as the operator's commands show it, to the minute in loc.
func Stamp(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04 MST") }

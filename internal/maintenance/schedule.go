package maintenance

import (
	"cmp"
	"slices"
	"time"

	// The zone database inside the binary: the distroless image has no /usr/share/zoneinfo,
	// and a recurring window in Europe/Moscow must mean the same there as on a laptop.
	_ "time/tzdata"
)

// Recurring is a window that repeats at a local wall time, e.g. every Wednesday 04:00
// Europe/Moscow for 2 hours.
type Recurring struct {
	Weekdays     []time.Weekday // empty: every day
	Hour, Minute int            // local start time
	Duration     time.Duration  // real time, not wall time
	Location     *time.Location // nil: UTC
	Message      Text
}

// Occurrences are the windows of r overlapping [from, to), sorted by From, Recurring=true.
//
// An occurrence starts at Hour:Minute local time on each of the Weekdays and lasts Duration
// of real time, so a 2 h window that spans a DST change still lasts 2 h. A window that
// crosses midnight belongs to the day it starts (Weekdays name its start). A start that falls
// in a spring-forward gap (02:30 on the night clocks jump from 02:00 to 03:00) moves forward
// by the size of the gap (to 03:30), as time.Date normalises it east of UTC, and here in
// every zone; a start that falls in the autumn overlap, where the wall time happens
// twice, is the first of the two.
func (r Recurring) Occurrences(from, to time.Time) []Window {
	if r.Duration <= 0 || !from.Before(to) {
		return nil
	}
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	// Start early enough to catch an occurrence that began before from and still runs:
	// one day per day of Duration, one for the day from is in, one for a zone's offset.
	first := from.In(loc)
	back := int(r.Duration/(24*time.Hour)) + 2
	var out []Window
	for d := -back; ; d++ {
		day := time.Date(first.Year(), first.Month(), first.Day()+d, 0, 0, 0, 0, loc)
		start := wallTime(day.Year(), day.Month(), day.Day(), r.Hour, r.Minute, loc)
		if !start.Before(to) {
			break
		}
		if !r.on(day.Weekday()) {
			continue
		}
		until := start.Add(r.Duration)
		if until.After(from) {
			out = append(out, Window{From: start, Until: until, Message: r.Message, Recurring: true})
		}
	}
	return out
}

// on says whether r has an occurrence starting on weekday wd.
func (r Recurring) on(wd time.Weekday) bool {
	return len(r.Weekdays) == 0 || slices.Contains(r.Weekdays, wd)
}

// wallTime is the instant the wall clock of loc shows the given time, as Occurrences
// documents it: time.Date does not promise which instant it returns in a gap or an
// overlap, and returns different ones for zones east and west of UTC (Europe/Berlin's
// 02:30 in the spring gap gives 03:30, America/New_York's gives 01:30).
func wallTime(year int, month time.Month, day, hour, minute int, loc *time.Location) time.Time {
	wall := time.Date(year, month, day, hour, minute, 0, 0, time.UTC)
	t := time.Date(year, month, day, hour, minute, 0, 0, loc)
	// The offsets in force around t: a day either side serves, as no zone changes its
	// offset twice in a day.
	_, before := t.Add(-24 * time.Hour).Zone()
	_, at := t.Zone()
	_, after := t.Add(24 * time.Hour).Zone()
	var first time.Time
	for _, off := range []int{before, at, after} {
		c := wall.Add(-time.Duration(off) * time.Second)
		if shows(c.In(loc), wall) && (first.IsZero() || c.Before(first)) {
			first = c
		}
	}
	if first.IsZero() {
		// In the gap: read the wall time with the offset before the change, which lands
		// as far past the gap's end as the time was past its start (02:30 -> 03:30).
		return wall.Add(-time.Duration(before) * time.Second)
	}
	return first
}

// shows says whether t's wall clock reads the same as wall's (a UTC time).
func shows(t, wall time.Time) bool {
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, m, d, h, mi, s, t.Nanosecond(), time.UTC).Equal(wall)
}

// Schedule is a world's maintenance: the one-off windows (of the file and of the command
// line) and the recurring ones of the file.
type Schedule struct {
	OneOff    []Window
	Recurring []Recurring
}

// lookAhead bounds NextChange: a week of recurring windows and a day's slack.
const lookAhead = 8 * 24 * time.Hour

// With is s and the one-off windows extra (the command line's). s is not changed.
func (s Schedule) With(extra ...Window) Schedule {
	return Schedule{OneOff: append(slices.Clip(s.OneOff), extra...), Recurring: s.Recurring}
}

// Windows are the windows of s overlapping [from, to): its one-off windows and the
// occurrences of its recurring ones, sorted by From (then Until).
func (s Schedule) Windows(from, to time.Time) []Window {
	var out []Window
	for _, w := range s.OneOff {
		if w.From.Before(to) && w.Until.After(from) {
			out = append(out, w)
		}
	}
	for _, r := range s.Recurring {
		out = append(out, r.Occurrences(from, to)...)
	}
	slices.SortStableFunc(out, func(a, b Window) int {
		return cmp.Or(a.From.Compare(b.From), a.Until.Compare(b.Until))
	})
	return out
}

// Active is the window holding now (From <= now < Until), nil if none. Of several, it is
// the one ending last: the status says maintenance until the last of them ends, and a
// page that showed the earlier end would be wrong when it came.
func (s Schedule) Active(now time.Time) *Window {
	var best *Window
	for _, w := range s.Windows(now, now.Add(time.Nanosecond)) {
		if best == nil || w.Until.After(best.Until) {
			best = &w
		}
	}
	return best
}

// Upcoming are the windows starting in (now, now+Announce], sorted by From; never nil,
// so that a document lists no window as [] rather than null. A window that starts while
// maintenance runs without a break from now (inside the active window, or inside one that
// starts inside it) is left out: it is more of the maintenance under way, and announced as
// "next" it would promise a return to service before it.
func (s Schedule) Upcoming(now time.Time) []Window {
	out := []Window{}
	end := now.Add(Announce)
	var busy time.Time // the end of the maintenance running from now; zero: none
	if a := s.Active(now); a != nil {
		busy = a.Until
	}
	for _, w := range s.Windows(now, end.Add(time.Nanosecond)) {
		if !w.From.After(now) || w.From.After(end) {
			continue
		}
		if w.From.Before(busy) {
			busy = later(busy, w.Until)
			continue
		}
		out = append(out, w)
	}
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// NextChange is the first From or Until after now and at most 8 days ahead, or the zero
// time if there is none: when the active window may next change, so that a loop can wake
// then rather than poll. (The announcement of a window begins Announce before its From.)
func (s Schedule) NextChange(now time.Time) time.Time {
	end := now.Add(lookAhead)
	var next time.Time
	for _, w := range s.Windows(now, end.Add(time.Nanosecond)) {
		for _, t := range []time.Time{w.From, w.Until} {
			if t.After(now) && !t.After(end) && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
	}
	return next
}

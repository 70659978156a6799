package maintenance_test

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"statusedge/internal/maintenance"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// spans prints windows as UTC instants, "from..until" each, to compare them whole.
func spans(ws []maintenance.Window) string {
	var out []string
	for _, w := range ws {
		s := w.From.UTC().Format(time.RFC3339) + ".." + w.Until.UTC().Format(time.RFC3339)
		if !w.Recurring {
			s += " once"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

// TestOccurrences: exact instants, by weekday, across midnight and across both DST
// changes of a zone east of UTC (Berlin) and one west of it (New York), and in a zone
// without DST (Moscow).
func TestOccurrences(t *testing.T) {
	moscow, berlin, newYork := zone(t, "Europe/Moscow"), zone(t, "Europe/Berlin"), zone(t, "America/New_York")
	sunday := []time.Weekday{time.Sunday}
	tests := []struct {
		name     string
		r        maintenance.Recurring
		from, to string
		want     string
	}{
		{"Moscow, Wednesdays 04:00 for 2 h",
			maintenance.Recurring{Weekdays: []time.Weekday{time.Wednesday}, Hour: 4, Duration: 2 * time.Hour, Location: moscow},
			"2026-12-01T00:00:00Z", "2026-12-15T00:00:00Z",
			"2026-12-02T01:00:00Z..2026-12-02T03:00:00Z, 2026-12-09T01:00:00Z..2026-12-09T03:00:00Z"},
		{"Moscow, two weekdays",
			maintenance.Recurring{Weekdays: []time.Weekday{time.Friday, time.Monday}, Hour: 10, Minute: 15, Duration: time.Hour, Location: moscow},
			"2026-12-01T00:00:00Z", "2026-12-08T00:00:00Z",
			"2026-12-04T07:15:00Z..2026-12-04T08:15:00Z, 2026-12-07T07:15:00Z..2026-12-07T08:15:00Z"},
		{"every day, bounds half open",
			maintenance.Recurring{Hour: 4, Duration: 2 * time.Hour, Location: moscow},
			"2026-12-02T03:00:00Z", "2026-12-04T01:00:00Z",
			"2026-12-03T01:00:00Z..2026-12-03T03:00:00Z"},
		{"across midnight: Saturday's window holds Sunday 01:00",
			maintenance.Recurring{Weekdays: []time.Weekday{time.Saturday}, Hour: 23, Duration: 3 * time.Hour, Location: moscow},
			"2026-12-05T22:00:00Z", "2026-12-06T09:00:00Z", // Sunday 01:00 to 12:00 in Moscow
			"2026-12-05T20:00:00Z..2026-12-05T23:00:00Z"},
		{"across midnight: a Sunday window is not Saturday's",
			maintenance.Recurring{Weekdays: sunday, Hour: 23, Duration: 3 * time.Hour, Location: moscow},
			"2026-12-05T22:00:00Z", "2026-12-06T09:00:00Z",
			""},
		{"a window longer than a day, begun days before from",
			maintenance.Recurring{Weekdays: []time.Weekday{time.Monday}, Duration: 72 * time.Hour, Location: time.UTC},
			"2026-12-09T12:00:00Z", "2026-12-09T13:00:00Z",
			"2026-12-07T00:00:00Z..2026-12-10T00:00:00Z"},
		{"Berlin, Sunday 02:30 across the March change: the gap's start moves to 03:30 CEST",
			maintenance.Recurring{Weekdays: sunday, Hour: 2, Minute: 30, Duration: time.Hour, Location: berlin},
			"2026-03-21T00:00:00Z", "2026-04-06T00:00:00Z",
			"2026-03-22T01:30:00Z..2026-03-22T02:30:00Z, 2026-03-29T01:30:00Z..2026-03-29T02:30:00Z, 2026-04-05T00:30:00Z..2026-04-05T01:30:00Z"},
		{"Berlin, Sunday 02:30 across the October change: the first 02:30 (CEST)",
			maintenance.Recurring{Weekdays: sunday, Hour: 2, Minute: 30, Duration: time.Hour, Location: berlin},
			"2026-10-17T00:00:00Z", "2026-11-02T00:00:00Z",
			"2026-10-18T00:30:00Z..2026-10-18T01:30:00Z, 2026-10-25T00:30:00Z..2026-10-25T01:30:00Z, 2026-11-01T01:30:00Z..2026-11-01T02:30:00Z"},
		{"Berlin, daily 01:00 for 3 h of real time: 01:00 CET to 04:00 CEST on the change",
			maintenance.Recurring{Hour: 1, Duration: 3 * time.Hour, Location: berlin},
			"2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z",
			"2026-03-29T00:00:00Z..2026-03-29T03:00:00Z, 2026-03-29T23:00:00Z..2026-03-30T02:00:00Z"},
		{"New York, Sunday 02:30 across the March change: 03:30 EDT, not 01:30 EST",
			maintenance.Recurring{Weekdays: sunday, Hour: 2, Minute: 30, Duration: time.Hour, Location: newYork},
			"2026-02-28T00:00:00Z", "2026-03-16T00:00:00Z",
			"2026-03-01T07:30:00Z..2026-03-01T08:30:00Z, 2026-03-08T07:30:00Z..2026-03-08T08:30:00Z, 2026-03-15T06:30:00Z..2026-03-15T07:30:00Z"},
		{"New York, Sunday 02:30 across the November change (02:30 happens once)",
			maintenance.Recurring{Weekdays: sunday, Hour: 2, Minute: 30, Duration: time.Hour, Location: newYork},
			"2026-10-24T00:00:00Z", "2026-11-09T00:00:00Z",
			"2026-10-25T06:30:00Z..2026-10-25T07:30:00Z, 2026-11-01T07:30:00Z..2026-11-01T08:30:00Z, 2026-11-08T07:30:00Z..2026-11-08T08:30:00Z"},
		{"New York, Sunday 01:30 in the November overlap: the first (EDT), 1 h of real time",
			maintenance.Recurring{Weekdays: sunday, Hour: 1, Minute: 30, Duration: time.Hour, Location: newYork},
			"2026-10-31T00:00:00Z", "2026-11-02T00:00:00Z",
			"2026-11-01T05:30:00Z..2026-11-01T06:30:00Z"},
		{"no location is UTC",
			maintenance.Recurring{Hour: 4, Duration: time.Hour},
			"2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z",
			"2026-12-02T04:00:00Z..2026-12-02T05:00:00Z"},
		{"no duration, no windows",
			maintenance.Recurring{Hour: 4, Location: moscow},
			"2026-12-01T00:00:00Z", "2026-12-15T00:00:00Z",
			""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.r.Occurrences(utc(tt.from), utc(tt.to))
			if s := spans(got); s != tt.want {
				t.Errorf("got  %s\nwant %s", s, tt.want)
			}
			for _, w := range got {
				if !w.Recurring {
					t.Errorf("%v: Recurring false", w)
				}
			}
		})
	}
}

// schedule is Wednesdays 04:00-06:00 Moscow (01:00-03:00 UTC) and a one-off window that
// overlaps the first occurrence and ends after it.
func schedule(t *testing.T) maintenance.Schedule {
	return maintenance.Schedule{
		Recurring: []maintenance.Recurring{{Weekdays: []time.Weekday{time.Wednesday}, Hour: 4, Duration: 2 * time.Hour,
			Location: zone(t, "Europe/Moscow"), Message: maintenance.Text{EN: "Weekly", RU: "Еженедельно"}}},
	}.With(maintenance.Window{From: utc("2026-12-02T02:30:00Z"), Until: utc("2026-12-02T04:00:00Z"), Message: maintenance.Text{EN: "Once", RU: "Разово"}})
}

// TestActive: the window holding now; of two, the one ending last.
func TestActive(t *testing.T) {
	s := schedule(t)
	tests := []struct{ now, want string }{
		{"2026-12-02T00:59:00Z", ""},
		{"2026-12-02T01:00:00Z", "2026-12-02T01:00:00Z..2026-12-02T03:00:00Z"},
		{"2026-12-02T02:29:00Z", "2026-12-02T01:00:00Z..2026-12-02T03:00:00Z"},
		{"2026-12-02T02:45:00Z", "2026-12-02T02:30:00Z..2026-12-02T04:00:00Z once"},
		{"2026-12-02T03:30:00Z", "2026-12-02T02:30:00Z..2026-12-02T04:00:00Z once"},
		{"2026-12-02T04:00:00Z", ""},
		{"2026-12-09T02:59:59Z", "2026-12-09T01:00:00Z..2026-12-09T03:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.now, func(t *testing.T) {
			got := ""
			if w := s.Active(utc(tt.now)); w != nil {
				got = spans([]maintenance.Window{*w})
			}
			if got != tt.want {
				t.Errorf("Active = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestUpcoming: windows starting in (now, now+24h], sorted; [] rather than nil.
func TestUpcoming(t *testing.T) {
	s := schedule(t)
	tests := []struct{ now, want string }{
		{"2026-12-01T00:59:59Z", ""}, // 24 h and 1 s ahead: not yet
		{"2026-12-01T01:00:00Z", "2026-12-02T01:00:00Z..2026-12-02T03:00:00Z"},
		{"2026-12-01T03:00:00Z", "2026-12-02T01:00:00Z..2026-12-02T03:00:00Z, 2026-12-02T02:30:00Z..2026-12-02T04:00:00Z once"},
		// Neither the active one nor one starting inside it is upcoming: the maintenance
		// runs on to 04:00 without a break.
		{"2026-12-02T01:00:00Z", ""},
		{"2026-12-02T02:30:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.now, func(t *testing.T) {
			got := s.Upcoming(utc(tt.now))
			if got == nil {
				t.Fatal("Upcoming = nil, want a slice")
			}
			if s := spans(got); s != tt.want {
				t.Errorf("Upcoming = %q, want %q", s, tt.want)
			}
		})
	}
}

// TestNextChange: the next From or Until within 8 days.
func TestNextChange(t *testing.T) {
	s := schedule(t)
	far := maintenance.Schedule{}.With(maintenance.Window{From: utc("2026-12-10T00:00:01Z"), Until: utc("2026-12-11T00:00:00Z")})
	tests := []struct {
		name string
		s    maintenance.Schedule
		now  string
		want string
	}{
		{"before", s, "2026-12-01T00:00:00Z", "2026-12-02T01:00:00Z"},
		{"in the first", s, "2026-12-02T01:30:00Z", "2026-12-02T02:30:00Z"},
		{"in both", s, "2026-12-02T02:45:00Z", "2026-12-02T03:00:00Z"},
		{"in the one-off", s, "2026-12-02T03:30:00Z", "2026-12-02T04:00:00Z"},
		{"after: next week", s, "2026-12-02T04:00:00Z", "2026-12-09T01:00:00Z"},
		{"nothing planned", maintenance.Schedule{}, "2026-12-02T04:00:00Z", ""},
		{"8 days ahead", far, "2026-12-02T00:00:01Z", "2026-12-10T00:00:01Z"},
		{"past 8 days", far, "2026-12-02T00:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if n := tt.s.NextChange(utc(tt.now)); !n.IsZero() {
				got = n.UTC().Format(time.RFC3339)
			}
			if got != tt.want {
				t.Errorf("NextChange = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestWithKeepsTheOriginal: With returns a new schedule; two calls on one base do not
// write into each other's windows.
func TestWithKeepsTheOriginal(t *testing.T) {
	base := maintenance.Schedule{OneOff: make([]maintenance.Window, 1, 4)}
	a := base.With(maintenance.Window{Until: utc("2026-12-01T00:00:00Z")})
	b := base.With(maintenance.Window{Until: utc("2026-12-02T00:00:00Z")})
	if len(base.OneOff) != 1 || !a.OneOff[1].Until.Equal(utc("2026-12-01T00:00:00Z")) || !b.OneOff[1].Until.Equal(utc("2026-12-02T00:00:00Z")) {
		t.Errorf("base %v, a %v, b %v", base.OneOff, a.OneOff, b.OneOff)
	}
}

// TestActiveMinutesAcrossDST walks a one-minute ticker over a simulated fortnight in
// Berlin across the March change and counts the minutes Active reports. Daily 01:00 for
// 3 h: 14 windows of 180 minutes of real time, the one of 29 March from 01:00 CET to 04:00
// CEST (a wall-clock end would give it 120); the Sunday 02:30 window lies inside the
// daily one on both Sundays (on the 29th it starts at 03:30 CEST), so it adds nothing;
// the one-off window adds 120. 14*180 + 120 = 2640 minutes, begun 15 times.
func TestActiveMinutesAcrossDST(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	s := maintenance.Schedule{
		Recurring: []maintenance.Recurring{
			{Hour: 1, Duration: 3 * time.Hour, Location: berlin},
			{Weekdays: []time.Weekday{time.Sunday}, Hour: 2, Minute: 30, Duration: time.Hour, Location: berlin},
		},
		OneOff: []maintenance.Window{{From: utc("2026-03-25T10:00:00Z"), Until: utc("2026-03-25T12:00:00Z")}},
	}
	base := utc("2026-03-21T12:00:00Z")
	synctest.Test(t, func(t *testing.T) {
		// The bubble's clock starts in 2000; now maps its elapsed time onto 2026.
		start := time.Now()
		now := func() time.Time { return base.Add(time.Since(start)) }
		minutes, starts := countActive(s, now, time.Minute, 14*24*time.Hour)
		if minutes != 2640 || starts != 15 {
			t.Errorf("active %d minutes, begun %d times; want 2640 and 15", minutes, starts)
		}
		if got := now(); !got.Equal(base.Add(14 * 24 * time.Hour)) {
			t.Errorf("walked to %s", got)
		}
	})
}

// countActive ticks every `every` for span and counts the ticks at which s has an
// active window, and how many times one began.
func countActive(s maintenance.Schedule, now func() time.Time, every, span time.Duration) (ticks, starts int) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	active := false
	for range int(span / every) {
		<-tk.C
		w := s.Active(now())
		if w != nil {
			ticks++
			if !active {
				starts++
			}
		}
		active = w != nil
	}
	return ticks, starts
}

// TestUpcomingNotInsideTheActive: a window starting while maintenance runs on from now
// (inside the active one, or inside one that starts inside it) is never the next one;
// the first that starts after the run ends is, and so is one starting right at its end.
func TestUpcomingNotInsideTheActive(t *testing.T) {
	once := func(from, until string) maintenance.Window {
		return maintenance.Window{From: utc(from), Until: utc(until), Message: maintenance.Text{EN: "a", RU: "б"}}
	}
	s := maintenance.Schedule{OneOff: []maintenance.Window{
		once("2026-12-02T10:00:00Z", "2026-12-02T14:00:00Z"), // active at 10:30
		once("2026-12-02T11:00:00Z", "2026-12-02T12:00:00Z"), // inside it
		once("2026-12-02T13:00:00Z", "2026-12-02T15:00:00Z"), // starts inside, ends after
		once("2026-12-02T15:00:00Z", "2026-12-02T16:00:00Z"), // starts as the run ends
		once("2026-12-02T18:00:00Z", "2026-12-02T19:00:00Z"),
	}}
	got := spans(s.Upcoming(utc("2026-12-02T10:30:00Z")))
	if want := "2026-12-02T15:00:00Z..2026-12-02T16:00:00Z once, 2026-12-02T18:00:00Z..2026-12-02T19:00:00Z once"; got != want {
		t.Errorf("Upcoming at 10:30 = %q\nwant %q", got, want)
	}
	// Outside any window, every window ahead is announced.
	if got := len(s.Upcoming(utc("2026-12-02T09:00:00Z"))); got != 5 {
		t.Errorf("Upcoming at 09:00: %d windows, want 5", got)
	}
}

// TestHuman: durations in an operator's words, never Go's 79473h39m54.125933402s.
func TestHuman(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{79473*time.Hour + 39*time.Minute + 54125933402, "3311 days 9 h"},
		{7 * 24 * time.Hour, "7 days"},
		{7*24*time.Hour + time.Second, "7 days 1 s"},
		{24 * time.Hour, "1 day"},
		{22*time.Hour + 58*time.Minute + 3*time.Second, "22 h 58 min"},
		{90 * time.Second, "1 min 30 s"},
		{time.Minute, "1 min"},
		{400 * time.Millisecond, "0 s"},
		{-2 * time.Hour, "-2 h"},
	} {
		if got := maintenance.Human(tt.d); got != tt.want {
			t.Errorf("Human(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

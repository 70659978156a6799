package history_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/history"
	"statusedge/internal/maintenance"
)

// TestRecordFlip: flips are pushed newest first, a flip that repeats the newest adds
// nothing (a new leader's first look), the list keeps MaxFlips, and a token below the
// fence writes nothing.
func TestRecordFlip(t *testing.T) {
	keys := testKeys
	keys.Flips = "{world:x1}:flips"
	rdb := testClient(t, harnesstest.Redis(t).Addr())
	s := history.NewStore(rdb, keys)
	ctx := testContext(t)
	t0 := time.Date(2026, 12, 2, 10, 0, 7, 0, time.UTC)
	for i, online := range []bool{false, false, true, true, false} {
		ok, err := s.RecordFlip(ctx, 5, history.Flip{Online: online, At: t0.Add(time.Duration(i) * time.Second)})
		if err != nil || !ok {
			t.Fatalf("flip %d: %v, %v", i, ok, err)
		}
	}
	got, err := s.Flips(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := "[{false 10:00:11} {true 10:00:09} {false 10:00:07}]"; show(got) != want {
		t.Errorf("flips %s, want %s", show(got), want)
	}
	if ok, err := s.RecordFlip(ctx, 4, history.Flip{Online: true, At: t0.Add(time.Minute)}); err != nil || ok {
		t.Errorf("a deposed leader's flip: accepted %v, %v", ok, err)
	}
	for i := range history.MaxFlips + 10 {
		if _, err := s.RecordFlip(ctx, 5, history.Flip{Online: i%2 == 0, At: t0.Add(time.Duration(i+10) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := rdb.LLen(ctx, keys.Flips).Result(); err != nil || n != history.MaxFlips {
		t.Errorf("list holds %d (%v), want %d", n, err, history.MaxFlips)
	}
	if ttl, err := rdb.TTL(ctx, keys.Flips).Result(); err != nil || ttl <= 0 {
		t.Errorf("flips TTL %v (%v): want the record's keep", ttl, err)
	}
	// An entry written by hand that is not a flip is left out of the read, not fatal.
	if err := rdb.LPush(ctx, keys.Flips, "junk").Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Flips(ctx); err != nil || len(got) != history.MaxFlips-1 {
		t.Errorf("read with junk: %d flips, %v", len(got), err)
	}
}

func show(fs []history.Flip) string {
	out := "["
	for i, f := range fs {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("{%v %s}", f.Online, f.At.Format(time.TimeOnly))
	}
	return out + "]"
}

// TestWithFlips: an incident's start and end move to the flips' seconds; its ID never
// moves; an ongoing incident is over at an online flip that is the newest; without a
// matching flip the minute bounds stand.
func TestWithFlips(t *testing.T) {
	m := func(hh, mm, ss int) time.Time { return time.Date(2026, 12, 2, hh, mm, ss, 0, time.UTC) }
	ptr := func(t time.Time) *time.Time { return &t }
	now := m(10, 30, 20)
	tests := []struct {
		name    string
		inc     history.Incident
		flips   []history.Flip // newest first
		start   time.Time
		end     *time.Time
		minutes int
		ongoing bool
	}{
		{"ended: both flips", history.Incident{StartedAt: m(10, 4, 0), EndedAt: ptr(m(10, 7, 0))},
			[]history.Flip{{true, m(10, 6, 12)}, {false, m(10, 4, 41)}}, m(10, 4, 41), ptr(m(10, 6, 12)), 2, false},
		{"ongoing, back online at the newest flip", history.Incident{StartedAt: m(10, 29, 0), Ongoing: true},
			[]history.Flip{{true, m(10, 30, 5)}, {false, m(10, 29, 50)}}, m(10, 29, 50), ptr(m(10, 30, 5)), 1, false},
		{"ongoing, no online flip since", history.Incident{StartedAt: m(10, 20, 0), Ongoing: true},
			[]history.Flip{{false, m(10, 20, 30)}, {true, m(10, 2, 0)}}, m(10, 20, 30), nil, 11, true},
		{"no flips near it: the minutes stand", history.Incident{StartedAt: m(9, 0, 0), EndedAt: ptr(m(9, 3, 0))},
			[]history.Flip{{true, m(10, 6, 12)}, {false, m(10, 4, 41)}}, m(9, 0, 0), ptr(m(9, 3, 0)), 3, false},
		{"flip a second before its first minute", history.Incident{StartedAt: m(10, 5, 0), EndedAt: ptr(m(10, 6, 0))},
			[]history.Flip{{true, m(10, 5, 30)}, {false, m(10, 4, 59)}}, m(10, 4, 59), ptr(m(10, 5, 30)), 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.inc.ID = tt.inc.StartedAt.Format(history.IDLayout)
			got := history.WithFlips([]history.Incident{tt.inc}, tt.flips, now)[0]
			if got.ID != tt.inc.ID {
				t.Errorf("id %s, want %s (never changes)", got.ID, tt.inc.ID)
			}
			if !got.StartedAt.Equal(tt.start) {
				t.Errorf("started %v, want %v", got.StartedAt, tt.start)
			}
			if (got.EndedAt == nil) != (tt.end == nil) || (got.EndedAt != nil && !got.EndedAt.Equal(*tt.end)) {
				t.Errorf("ended %v, want %v", got.EndedAt, tt.end)
			}
			if got.Minutes != tt.minutes || got.Ongoing != tt.ongoing {
				t.Errorf("minutes %d ongoing %v, want %d %v", got.Minutes, got.Ongoing, tt.minutes, tt.ongoing)
			}
		})
	}
}

// TestWithFlipsSplits: outages a few seconds apart share their down minutes (a minute is
// down when any of it was), yet the flips make each its own incident: the first keeps the
// run's ID and notes, the others are named by their first second; the newest is ongoing
// until an online flip ends it.
func TestWithFlipsSplits(t *testing.T) {
	m := func(mm, ss int) time.Time { return time.Date(2026, 12, 2, 10, mm, ss, 0, time.UTC) }
	title := &maintenance.Text{EN: "Power cut"}
	run := history.Incident{ID: "20261202T1000Z", StartedAt: m(0, 0), Ongoing: true, Title: title, Updates: []history.Update{}}
	// Down 10 s, up 10 s, three times from 10:00:05; then down again at 10:01:05.
	var flips []history.Flip // newest first
	for i := range 3 {
		at := m(0, 5).Add(time.Duration(i) * 20 * time.Second)
		flips = append([]history.Flip{{Online: true, At: at.Add(10 * time.Second)}, {Online: false, At: at}}, flips...)
	}
	tests := []struct {
		name  string
		flips []history.Flip
		want  string
	}{
		{"three outages, all over", flips,
			"20261202T100045Z 10:00:45-10:00:55 1, 20261202T100025Z 10:00:25-10:00:35 1, 20261202T1000Z 10:00:05-10:00:15 1 Power cut"},
		{"a fourth, ongoing", append([]history.Flip{{Online: false, At: m(1, 5)}}, flips...),
			"20261202T100105Z 10:01:05-ongoing 1, 20261202T100045Z 10:00:45-10:00:55 1, 20261202T100025Z 10:00:25-10:00:35 1, 20261202T1000Z 10:00:05-10:00:15 1 Power cut"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := history.WithFlips([]history.Incident{run}, tt.flips, m(1, 20))
			var parts []string
			for _, inc := range got {
				end := "ongoing"
				if inc.EndedAt != nil {
					end = inc.EndedAt.Format(time.TimeOnly)
				}
				if (inc.EndedAt == nil) != inc.Ongoing {
					t.Errorf("%s: ended %v but ongoing %v", inc.ID, inc.EndedAt, inc.Ongoing)
				}
				p := fmt.Sprintf("%s %s-%s %d", inc.ID, inc.StartedAt.Format(time.TimeOnly), end, inc.Minutes)
				if inc.Title != nil {
					p += " " + inc.Title.EN
				}
				parts = append(parts, p)
			}
			if s := strings.Join(parts, ", "); s != tt.want {
				t.Errorf("incidents\n%s\nwant\n%s", s, tt.want)
			}
		})
	}
}

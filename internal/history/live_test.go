package history_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"statusedge/internal/history"
)

// TestLive: the record read plus the world now says what the record says once the leader
// has written the same (nothing moves when the write lands), and the incident follows the
// status in the pass that sees it: it opens at the status's checked_at while the record
// has not caught up, closes at the online round's, and stale or no status adds nothing.
func TestLive(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 7, 30, 0, time.UTC)
	start := history.Start(now)
	idx := func(at time.Time) int { return int(at.Sub(start) / time.Minute) }
	downAt := time.Date(2026, 12, 2, 10, 5, 12, 0, time.UTC)
	upAt := time.Date(2026, 12, 2, 10, 7, 21, 0, time.UTC)
	// up from 10:00, down from the 10:05:12 round
	record := func(through time.Time, down bool) []history.State {
		cells := make([]history.State, idx(through)+1)
		for i := idx(now.Add(-7*time.Minute - 30*time.Second)); i < len(cells); i++ {
			cells[i] = history.Up
			if down && i >= idx(downAt) {
				cells[i] = history.Down
			}
		}
		return cells
	}
	upFlip := history.Flip{Online: true, At: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	downFlip := history.Flip{Online: false, At: downAt}
	type read struct {
		cells []history.State
		flips []history.Flip
	}
	for _, c := range []struct {
		name    string
		before  read // the record as read in the pass
		st      history.State
		live    *history.Flip // the status now; nil: none current
		written read          // the record once the leader wrote the same
		ongoing bool
		ended   time.Time
	}{
		{
			name:    "offline, record behind: the incident opens at the round",
			before:  read{record(now.Add(-time.Minute), true)[:idx(now)], []history.Flip{upFlip}},
			st:      history.Down,
			live:    &history.Flip{Online: false, At: downAt},
			written: read{record(now, true), []history.Flip{downFlip, upFlip}},
			ongoing: true,
		},
		{
			name:    "offline, record caught up: nothing added",
			before:  read{record(now, true), []history.Flip{downFlip, upFlip}},
			st:      history.Down,
			live:    &history.Flip{Online: false, At: downAt},
			written: read{record(now, true), []history.Flip{downFlip, upFlip}},
			ongoing: true,
		},
		{
			name:    "online again, record behind: the incident ends at the round",
			before:  read{record(now, true), []history.Flip{downFlip, upFlip}},
			st:      history.Up,
			live:    &history.Flip{Online: true, At: upAt},
			written: read{record(now, true), []history.Flip{{Online: true, At: upAt}, downFlip, upFlip}},
			ended:   upAt,
		},
		{
			name:    "stale: the record alone",
			before:  read{record(now, true), []history.Flip{downFlip, upFlip}},
			st:      history.NoData,
			written: read{record(now, true), []history.Flip{downFlip, upFlip}},
			ongoing: true,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			cells, flips := history.Live(now, slices.Clone(c.before.cells), slices.Clone(c.before.flips), c.st, c.live)
			got := history.WithFlips(history.Incidents(now, cells, nil), flips, now)
			want := history.WithFlips(history.Incidents(now, c.written.cells, nil), c.written.flips, now)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("incidents from the live read\n%+v\nwant those of the written record\n%+v", got, want)
			}
			if len(got) != 1 || !got[0].StartedAt.Equal(downAt) || got[0].Ongoing != c.ongoing {
				t.Fatalf("incidents %+v: want one from %s, ongoing %v", got, downAt.Format(time.TimeOnly), c.ongoing)
			}
			if !c.ended.IsZero() && (got[0].EndedAt == nil || !got[0].EndedAt.Equal(c.ended)) {
				t.Errorf("ended %v, want %s", got[0].EndedAt, c.ended.Format(time.TimeOnly))
			}
		})
	}

	// Maintenance raises the minute over down (the bigger state wins) and adds no flip.
	cells, flips := history.Live(now, record(now, true), nil, history.Maintenance, nil)
	if cells[idx(now)] != history.Maintenance || len(flips) != 0 {
		t.Errorf("maintenance: minute %v, flips %v", cells[idx(now)], flips)
	}
	// Up never lowers a minute already down (a minute is down when any of it was).
	cells, _ = history.Live(now, record(now, true), nil, history.Up, nil)
	if cells[idx(now)] != history.Down {
		t.Errorf("up over a down minute: %v, want down", cells[idx(now)])
	}
}

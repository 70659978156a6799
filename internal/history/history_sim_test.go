package history_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"statusedge/internal/history"
)

// simCells is an in-memory record: Redis's merge (the bigger state wins) without Redis.
type simCells struct {
	mu    sync.Mutex
	cells map[time.Time]history.State
}

func (c *simCells) write(_ context.Context, minute time.Time, st history.State) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cells[minute] = max(c.cells[minute], st)
	return true, nil
}

func (c *simCells) minutes(from, to time.Time) []history.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []history.State
	for m := from; m.Before(to); m = m.Add(time.Minute) {
		out = append(out, c.cells[m])
	}
	return out
}

// span is [from, until) in the simulation's days: day 1 is 2000-01-01, the bubble's
// first day.
type span struct{ from, until time.Time }

func (s span) holds(t time.Time) bool { return !t.Before(s.from) && t.Before(s.until) }

func at(day, h, m, sec int) time.Time { return time.Date(2000, 1, day, h, m, sec, 0, time.UTC) }

// TestSimulatedDays runs a leader's recording loop for three days of fake time: a probe
// every 10 s, a game server flipping on a script, maintenance, a snapshotter that is
// gone for a while, and a new leadership term mid-minute. The document it leads to has
// the exact minute counts, uptimes and incidents worked out by hand.
func TestSimulatedDays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now().UTC()
		if !start.Equal(at(1, 0, 0, 0)) {
			t.Fatalf("bubble starts at %v", start)
		}
		down := []span{
			{at(1, 10, 0, 30), at(1, 10, 30, 30)}, // mid-minute flips: 10:00 to 10:30 are down, 31 minutes
			{at(2, 3, 58, 0), at(2, 6, 0, 0)},     // down into the window: only 03:58 and 03:59 count
			{at(2, 12, 0, 0), at(2, 12, 15, 0)},   // 12:05 to 12:10 nobody watches (below)
			{at(3, 23, 50, 0), at(4, 0, 0, 0)},    // ongoing at the end
		}
		maint := []span{{at(2, 4, 0, 0), at(2, 6, 0, 0)}}
		gone := []span{{at(1, 20, 0, 0), at(1, 21, 0, 0)}, {at(2, 12, 5, 0), at(2, 12, 10, 0)}}
		newTerm := at(2, 8, 0, 25)
		verdict := func(t time.Time) history.State {
			for _, w := range maint {
				if w.holds(t) {
					return history.Maintenance
				}
			}
			for _, d := range down {
				if d.holds(t) {
					return history.Down
				}
			}
			return history.Up
		}
		alive := func(t time.Time) bool {
			return !slices.ContainsFunc(gone, func(s span) bool { return s.holds(t) })
		}

		cells := &simCells{cells: map[time.Time]history.State{}}
		rec := history.NewRecorder(cells.write)
		ctx, cancel := context.WithCancel(t.Context())
		// The loop's first error, sent when it ends.
		loopDone := make(chan error, 1)
		go func() {
			var loopErr error
			defer func() { loopDone <- loopErr }()
			tick := time.NewTicker(10 * time.Second)
			defer tick.Stop()
			reset := false
			for {
				select {
				case <-ctx.Done():
					return
				case now := <-tick.C:
					if !reset && !now.Before(newTerm) {
						rec.Reset() // another replica took over: it writes this minute again
						reset = true
					}
					if !alive(now) {
						continue
					}
					if err := rec.Observe(ctx, now, verdict(now)); err != nil && loopErr == nil {
						loopErr = err
					}
				}
			}
		}()
		// Until 23:59:55 of day 3: the last tick (23:59:50) has been observed.
		time.Sleep(at(3, 23, 59, 55).Sub(start))
		now := time.Now()
		cancel()
		if loopErr := <-loopDone; loopErr != nil {
			t.Fatal(loopErr)
		}

		nowMin := now.Truncate(time.Minute)
		doc := history.Build("", now, cells.minutes(history.Start(now), nowMin.Add(time.Minute)), nil, nil, nil)
		for _, d := range doc.Days[:history.Days-3] {
			if d.NoData != 1440 || d.Uptime != nil {
				t.Fatalf("day before the simulation: %+v", d)
			}
		}
		wantDays := []struct {
			date                    string
			up, down, maint, noData int
			uptime                  string
		}{
			{"2000-01-01", 1349, 31, 0, 60, "97.75"},  // 1349/1380
			{"2000-01-02", 1303, 12, 120, 5, "99.08"}, // 1303/1315
			{"2000-01-03", 1430, 10, 0, 0, "99.3"},    // 1430/1440
		}
		for i, w := range wantDays {
			d := doc.Days[history.Days-3+i]
			if d.Date != w.date || d.Up != w.up || d.Down != w.down || d.Maintenance != w.maint || d.NoData != w.noData || pct(d.Uptime) != w.uptime {
				t.Errorf("day %s: %+v uptime %s, want %+v", d.Date, d, pct(d.Uptime), w)
			}
		}
		// 24h is day 3; the longer windows hold all three days: 4082 up, 53 down.
		u := doc.Uptime
		if got := [4]string{pct(u.H24), pct(u.D7), pct(u.D30), pct(u.D90)}; got != [4]string{"99.3", "98.71", "98.71", "98.71"} {
			t.Errorf("uptime 24h, 7d, 30d, 90d = %v", got)
		}
		var got []string
		for _, inc := range doc.Incidents {
			got = append(got, inc.ID+" "+incidentLine(inc))
		}
		want := []string{
			"20000103T2350Z 23:50- 10 ongoing",
			"20000102T1200Z 12:00-12:15 15", // joined across the 5 unwatched minutes
			"20000102T0358Z 03:58-04:00 2",  // ended by the window
			"20000101T1000Z 10:00-10:31 31",
		}
		if !slices.Equal(got, want) {
			t.Errorf("incidents\n%q\nwant\n%q", got, want)
		}
	})
}

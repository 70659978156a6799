package history_test

import (
	"slices"
	"testing"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/history"
)

// TestRedisRestart: minutes recorded in a Redis stopped (SIGTERM) and started again on its
// folder survive with the append-only file on; without it they read NoData, and the
// document shows them as no data, never up.
func TestRedisRestart(t *testing.T) {
	for _, appendOnly := range []bool{true, false} {
		name := map[bool]string{true: "appendonly yes", false: "no persistence"}[appendOnly]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			r, err := harness.StartRedisOn(dir, 0, appendOnly)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Stop() })
			rdb := testClient(t, r.Addr())
			s := history.NewStore(rdb, testKeys)
			ctx := testContext(t)
			// One now for the whole test: the recorded minutes are its last five.
			now := time.Now().UTC()
			nowMin := now.Truncate(time.Minute)
			written := []history.State{history.Up, history.Up, history.Up, history.Down, history.Up}
			for i, st := range written {
				record(t, ctx, s, 1, nowMin.Add(time.Duration(i-len(written)+1)*time.Minute), st)
			}
			from := history.Start(now)
			to := nowMin.Add(time.Minute)

			r.Stop()
			r2, err := harness.StartRedisOn(dir, r.Port, appendOnly)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r2.Stop() })
			cells, err := s.Minutes(ctx, from, to)
			if err != nil {
				t.Fatal(err) // the client dials the restarted server again on its own
			}
			doc := history.Build("", now, cells, nil, nil, nil)
			var up, down, noData int
			for _, d := range doc.Days {
				up, down, noData = up+d.Up, down+d.Down, noData+d.NoData
			}
			total := len(cells)
			if appendOnly {
				if up != 4 || down != 1 || noData != total-5 || len(doc.Incidents) != 1 {
					t.Errorf("after restart: up %d, down %d, no data %d of %d, %d incidents; want 4, 1, all else, 1", up, down, noData, total, len(doc.Incidents))
				}
				if got := cells[total-len(written):]; !slices.Equal(got, written) {
					t.Errorf("last minutes %v, want %v", got, written)
				}
			} else {
				if up != 0 || down != 0 || noData != total || doc.Uptime.H24 != nil || len(doc.Incidents) != 0 {
					t.Errorf("after restart without persistence: up %d, down %d, no data %d of %d, 24h %v; want all no data", up, down, noData, total, doc.Uptime.H24)
				}
			}
		})
	}
}

package replica

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"statusedge/internal/probe"
	"statusedge/internal/snapshot"
)

// noProbeMetrics drops what the watcher counts; the published rounds are under test.
type noProbeMetrics struct{}

func (noProbeMetrics) Observe(probe.Report) {}

// TestFlappingDoesNotFlip: one failed round between successes never turns the published
// status offline, and each round is published from the last read without a query.
func TestFlappingDoesNotFlip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reads := 0
		store := &fakeStore{}
		r := testRefresher(t, store, func(context.Context) ([]snapshot.Row, error) { reads++; return nil, nil })
		if err := r.Refresh(t.Context()); err != nil {
			t.Fatal(err)
		}
		script := "+-+-+-+"
		i := 0
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var seen []bool
		w := &Watcher{r: r, log: r.log, metrics: noProbeMetrics{}, loop: &probe.Loop{
			Interval: time.Second, Tracker: probe.NewTracker(2), Now: time.Now,
			Round: func(context.Context) []probe.Result {
				// A tick may land between the last report's cancel and the loop seeing it.
				ok := i >= len(script) || script[i] == '+'
				i++
				return []probe.Result{{Addr: "game:1", OK: ok}}
			},
		}}
		w.loop.Run(ctx, func(rep probe.Report) {
			w.report(ctx, rep)
			snap, err := snapshot.Parse(store.last())
			if err != nil {
				t.Fatal(err)
			}
			if seen = append(seen, snap.Online); len(seen) == len(script) {
				cancel()
			}
		})
		for k, online := range seen {
			if !online {
				t.Errorf("round %d (%c) published offline", k+1, script[k])
			}
		}
		if len(seen) != len(script) || reads != 1 {
			t.Errorf("%d rounds published, %d database reads; want %d and 1", len(seen), reads, len(script))
		}
	})
}

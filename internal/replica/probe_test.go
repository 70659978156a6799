package replica

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"statusedge/internal/history"
	"statusedge/internal/maintenance"
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

// TestNewestNote: the channels hear of the newest operator message across incidents,
// with its incident's title; a title alone is no message.
func TestNewestNote(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 17, 0, 0, 0, time.UTC)
	title := &maintenance.Text{EN: "Login down", RU: "Вход не работает"}
	notes := map[string]history.Note{
		"20261207T1600Z": {Updates: []history.Update{{At: t0, Message: maintenance.Text{EN: "old", RU: "старое"}}}},
		"20261207T1650Z": {Title: title, Updates: []history.Update{
			{At: t0.Add(time.Minute), Message: maintenance.Text{EN: "newest", RU: "новое"}},
			{At: t0.Add(-time.Minute), Message: maintenance.Text{EN: "earlier", RU: "раньше"}},
		}},
		"20261207T1655Z": {Title: &maintenance.Text{EN: "title only", RU: "только заголовок"}},
	}
	got := NewestNote(notes)
	if got == nil || got.Incident != "20261207T1650Z" || got.Message.EN != "newest" || got.Title != title || !got.At.Equal(t0.Add(time.Minute)) {
		t.Errorf("NewestNote = %+v, want incident 20261207T1650Z's newest message with its title", got)
	}
	if got := NewestNote(map[string]history.Note{"20261207T1655Z": notes["20261207T1655Z"]}); got != nil {
		t.Errorf("NewestNote of a title alone = %+v, want none", got)
	}
}

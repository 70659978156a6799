package probe

import (
	"context"
	"time"
)

// Report is the outcome of one round, handed to the Loop's callback.
type Report struct {
	At      time.Time // when the round started
	Results []Result
	Verdict Verdict // after this round
	Flipped bool    // the verdict changed between Online and Offline with this round
}

// Loop runs probe rounds at a steady pace.
type Loop struct {
	Interval time.Duration
	Round    func(ctx context.Context) []Result // one round over every target
	Tracker  *Tracker
	Now      func() time.Time
}

// NewLoop returns the Loop that c describes: a Prober over c.Targets every c.Interval.
func NewLoop(c Config, now func() time.Time) *Loop {
	p := NewProber(c.Kind, c.Timeout)
	return &Loop{
		Interval: c.Interval,
		Round:    func(ctx context.Context) []Result { return p.Round(ctx, c.Targets) },
		Tracker:  NewTracker(c.Failures),
		Now:      now,
	}
}

// Run probes at once, then every Interval, until ctx ends, and calls report after every
// round that ctx did not interrupt (a round cut short by shutdown says nothing about the
// game server). report runs on Run's goroutine and the next round waits for it, so it
// must not block: hand slow work (a webhook) to something that queues it.
func (l *Loop) Run(ctx context.Context, report func(Report)) {
	tick := time.NewTicker(l.Interval)
	defer tick.Stop()
	for {
		at := l.Now()
		results := l.Round(ctx)
		if ctx.Err() != nil {
			return
		}
		v, flipped := l.Tracker.Observe(results)
		report(Report{At: at, Results: results, Verdict: v, Flipped: flipped})
		// A ticker, not a sleep after each round, so that the pace does not drift by
		// the length of a round; a round longer than Interval drops ticks, never queues them.
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

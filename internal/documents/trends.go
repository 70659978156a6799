package documents

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"statusedge/internal/publish"
	"statusedge/internal/samples"
)

// Trends publishes, on every replica, each world's players document (issue 30) from its
// samples in Redis, never the database: after a world's status copy changed (a sample or
// a probe round republished it), at most once a second, and every trendsEvery besides.
// A pass that moved a world's 24-h peak then asks the index again (Done), which shows it.
type Trends struct {
	worlds  []World // set by Run
	pub     *publish.Publisher
	ttl     time.Duration
	timeout time.Duration // each pass's Redis reads of a world
	every   time.Duration // STATUS_PLAYERS_INTERVAL
	now     func() time.Time
	log     *slog.Logger
	// Done, when set, is told after a pass that moved a world's 24-h peak (Index.Touch).
	Done func()

	mu    sync.Mutex
	peaks map[string]*samples.Sample // by world id
	took  time.Duration
	// counted is each world's players_at as its document was last built: a wake
	// rebuilds only the worlds with a new count (a probe round alone moves the answer
	// time's current minute, which the pass every trendsEvery shows).
	counted map[string]time.Time

	wake chan struct{} // capacity 1
}

// NewTrends publishes with pub for ttl; every is STATUS_PLAYERS_INTERVAL.
func NewTrends(pub *publish.Publisher, ttl, timeout, every time.Duration, log *slog.Logger) *Trends {
	return &Trends{pub: pub, ttl: ttl, timeout: timeout, every: every, now: time.Now, log: log,
		peaks: map[string]*samples.Sample{}, counted: map[string]time.Time{}, wake: make(chan struct{}, 1)}
}

// trendsEvery is the pace without wakes: the 24-h window moves on.
const trendsEvery = time.Minute

// Touch asks for a pass; it never blocks.
func (x *Trends) Touch() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// Run publishes at start, after Touch (at most once a second) and every trendsEvery,
// until ctx ends.
func (x *Trends) Run(ctx context.Context, worlds []World) {
	x.worlds = worlds
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		all := false
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			all = true
		case <-x.wake:
		}
		x.Pass(ctx, all)
		// At most one pass a second: wakes meanwhile coalesce into the next.
		if !sleep(ctx, time.Second) {
			return
		}
		t.Reset(trendsEvery)
	}
}

// sleep waits d; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Pass builds and publishes the players document of every world (all), or of each
// world whose status carries a count newer than its document's.
func (x *Trends) Pass(ctx context.Context, all bool) {
	now := x.now().UTC()
	start := time.Now()
	var g errgroup.Group
	g.SetLimit(8)
	moved := false // a world's 24-h peak changed (under x.mu)
	for i := range x.worlds {
		w := &x.worlds[i]
		if w.Samples == nil {
			continue
		}
		var counted time.Time
		if s := w.current(); s != nil && s.PlayersAt != nil {
			counted = *s.PlayersAt
		}
		x.mu.Lock()
		last, built := x.counted[w.Layout.World]
		x.mu.Unlock()
		if !all && built && !counted.After(last) {
			continue
		}
		g.Go(func() error {
			doc, ok := x.build(ctx, w, now)
			if !ok {
				return nil // the last document stands, and its generated_at says its age
			}
			peak := doc.Peak()
			x.mu.Lock()
			if old := x.peaks[w.Layout.World]; (old == nil) != (peak == nil) || (old != nil && (old.V != peak.V || !old.At.Equal(peak.At))) {
				moved = true
			}
			x.peaks[w.Layout.World], x.counted[w.Layout.World] = peak, counted
			x.mu.Unlock()
			body := encode(doc)
			if err := x.pub.Publish(publish.Document{Path: w.Layout.PlayersDoc, Body: body, From: now, Until: now.Add(x.ttl), Modified: now, Stale: body}); err != nil {
				w.Log.Error("publish the players document", "err", err)
			}
			return nil
		})
	}
	_ = g.Wait()
	x.mu.Lock()
	x.took = time.Since(start)
	x.mu.Unlock()
	// Only a moved peak changes the index: asking it again for nothing made it publish
	// twice in a probe round's second, and the second publish waits for the next second
	// (its validators), so the index trailed the status by a second (issue 28's lag test).
	if moved && x.Done != nil { // after g.Wait: the passes' writes are seen
		x.Done()
	}
}

// build reads one world's samples and makes its document.
func (x *Trends) build(ctx context.Context, w *World, now time.Time) (samples.Document, bool) {
	ctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	p, a, err := w.Samples.Since(ctx, samples.ReadFrom(now), now)
	if err != nil {
		w.Log.Warn("read the samples", "err", err)
		return samples.Document{}, false
	}
	daily, err := w.Samples.Daily(ctx)
	if err != nil {
		w.Log.Warn("read the daily figures", "err", err)
		return samples.Document{}, false
	}
	return samples.Build(w.Layout.World, now, x.every, p, a, daily), true
}

// Peak is world's players peak of the last 24 h as the last pass found it; nil for none.
func (x *Trends) Peak(world string) *samples.Sample {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.peaks[world]
}

// Took is how long the last pass took.
func (x *Trends) Took() time.Duration {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.took
}

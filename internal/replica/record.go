package replica

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"statusedge/internal/history"
	"statusedge/internal/leader"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// Minutes is a world's leader task beside the refresh and the probe: every second it
// reads the command line's windows, records the minute's state in the history (fenced, like the snapshot: a deposed leader
// writes no minute), and republishes the status when the planned maintenance changes
// (a window starts or ends, or the next one is announced). No database read: the state is
// the world's Moment (worldstate.At) of the published status and the plan.
type Minutes struct {
	rec  *history.Recorder
	flip func(ctx context.Context, f history.Flip) error // the fenced RecordFlip
	r    *Refresher
	plan *worldstate.PlanSource
	now  func() time.Time
	log  *slog.Logger

	told *bool // the status's online as last recorded in the flips this term; nil: none yet
	// wake asks for a step before the next tick (Touch); capacity 1.
	wake chan struct{}
}

// Touch asks for a step now: the status copy was written, and its flip belongs in the
// record at once (the documents add it themselves meanwhile: history.Live). It never
// blocks.
func (m *Minutes) Touch() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// NewMinutes records into store with role's token.
func NewMinutes(r *Refresher, p *worldstate.PlanSource, store *history.Store, ro *leader.Role, timeout time.Duration, log *slog.Logger) *Minutes {
	write := func(ctx context.Context, minute time.Time, st history.State) (bool, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		err := ro.Fenced(ctx, store.Fence(), func(ctx context.Context, token int64) (bool, error) {
			return store.Record(ctx, token, minute, st)
		})
		return err == nil, err
	}
	flip := func(ctx context.Context, f history.Flip) error {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return ro.Fenced(ctx, store.Fence(), func(ctx context.Context, token int64) (bool, error) {
			return store.RecordFlip(ctx, token, f)
		})
	}
	return &Minutes{rec: history.NewRecorder(write), flip: flip, r: r, plan: p, now: time.Now, log: log, wake: make(chan struct{}, 1)}
}

// tick is how often the minute's state is looked at: a flip is in the record within it.
const tick = time.Second

// Run records until ctx ends (the term ends).
func (m *Minutes) Run(ctx context.Context) {
	m.rec.Reset() // what an earlier term wrote is the record's, merged by Record
	m.told = nil  // the list's newest flip decides: RecordFlip adds none that repeats it
	t := time.NewTicker(tick)
	defer t.Stop()
	var warned bool
	for {
		err := leader.Unsaid(m.step(ctx))
		switch {
		case err == nil:
			warned = false
		case errors.Is(err, leader.ErrNotLeader), errors.Is(err, leader.ErrIsolated), ctx.Err() != nil:
			// Said by the role; the minute stays no data.
		case !warned:
			m.log.Warn("record the minute in the history", "err", err)
			warned = true
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-m.wake:
		}
	}
}

// step republishes the status if the plan changed, then records the minute.
func (m *Minutes) step(ctx context.Context) error {
	// The leader reads the command line's windows itself: a window started or ended
	// there reaches the status within a tick, not at the documents' next pass.
	m.plan.Poll(ctx)
	now := m.now()
	cur, _ := m.r.local.Current()
	at := worldstate.At(now, cur, m.plan.Plan())
	if at.Current && (worldstate.WindowKey(cur.Maintenance) != worldstate.WindowKey(at.Window) || worldstate.WindowKey(cur.NextMaintenance) != worldstate.WindowKey(at.Next)) {
		if err := m.r.Republish(context.WithoutCancel(ctx)); err != nil {
			return err
		}
		cur, _ = m.r.local.Current()
	}
	// Each on its own: a failed flip write must not cost the minute, nor the reverse.
	return errors.Join(m.recordFlip(ctx, now, cur), m.rec.Observe(ctx, now, at.State))
}

// recordFlip records a change of the current status's online, at the second of the
// round that made it (checked_at): the second an incident starts or ends. A failed write
// is tried again at the next tick.
func (m *Minutes) recordFlip(ctx context.Context, now time.Time, cur *snapshot.Snapshot) error {
	if cur == nil || !cur.Fresh(now) || (m.told != nil && *m.told == cur.Online) {
		return nil
	}
	if err := m.flip(ctx, history.Flip{Online: cur.Online, At: cur.CheckedAt}); err != nil {
		return err
	}
	online := cur.Online
	m.told = &online
	return nil
}

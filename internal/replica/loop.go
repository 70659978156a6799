package replica

import (
	"context"
	"errors"
	"time"

	"statusedge/internal/leader"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// IntervalPoll is how often the leader rereads config:status_interval while it waits, so
// that a new interval takes effect within seconds rather than at the end of the old one.
// (Keyspace notifications would save the reads but need notify-keyspace-events set on
// every server, which managed Redis often forbids; one GET every 2 s is nothing.)
const IntervalPoll = 2 * time.Second

// Loop is the leader's task: it refreshes whenever the fleet's next refresh is due, which
// is the last refresh (any leader's, from server:status:last_refresh) plus the interval in
// force, reread every IntervalPoll. A new leader thus refreshes at once only if the
// snapshot is due, and the fleet makes one read per interval across takeovers. A refresh
// in progress when ctx ends runs to completion (its own deadlines bound it), so that
// SIGTERM never leaves a half-done cycle behind.
//
// A kick (a stranger's later read seen in Redis) makes the next read due at once, unless
// the last was less than snapshot.MinInterval ago: a forger rewriting the key costs the
// database one read per MinInterval at most.
func (r *Refresher) Loop(ctx context.Context, configured time.Duration) {
	r.mu.Lock()
	r.base = nil // a new term starts from the copy on disk, which may be newer (Republish)
	if r.players != nil {
		r.count = nil // read with this term's first refresh (a Sampler owns it otherwise)
	}
	r.mu.Unlock()
	last, known := r.lastRefresh(ctx)
	if !r.holding(ctx) {
		known = false // nothing fresh to serve, on disk or in Redis: read now
	}
	for {
		every := r.nextInterval(context.WithoutCancel(ctx), configured)
		due := r.now()
		if known {
			due = last.Add(every)
		}
		r.setNextDue(due)
		if wait := due.Sub(r.now()); wait > 0 {
			alive, kicked := r.sleepOrKick(ctx, min(wait, IntervalPoll))
			if !alive {
				return
			}
			if !kicked || (known && r.now().Sub(last) < snapshot.MinInterval) {
				continue
			}
		}
		if ctx.Err() != nil {
			return
		}
		if r.leading != nil && !r.leading() {
			// The lease lapsed (a pause, Redis away): no read until it is renewed; the role
			// runner ends this task if it is not.
			if !sleep(ctx, IntervalPoll) {
				return
			}
			continue
		}
		start := r.now()
		// A damaged fence fails every refresh, and the role has said so once.
		if err := leader.Unsaid(r.Refresh(context.WithoutCancel(ctx))); err != nil {
			r.log.Error("refresh failed", "err", err)
		}
		last, known = start, true
	}
}

// lastRefresh is when the fleet last refreshed: the last attempt any leader recorded,
// else the snapshot this process has on disk; known is false when neither exists.
func (r *Refresher) lastRefresh(ctx context.Context) (time.Time, bool) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.redisTimeout)
	defer cancel()
	rec, ok, err := r.store.Record(rctx)
	if err != nil {
		r.log.Warn("read last refresh", "err", err)
	}
	if ok {
		return rec.At, true
	}
	if good, _ := r.local.Current(); good != nil {
		return good.UpdatedAt, true
	}
	return time.Time{}, false
}

// holding reports whether this replica has a fresh snapshot to serve as a term starts:
// the one in STATUS_DIR, else a fresh one in Redis (after -once, on a new host or a
// wiped disk), which it publishes at once rather than after the interval's wait; the
// fleet's next read stays due when it was.
func (r *Refresher) holding(ctx context.Context) bool {
	if cur, _ := r.local.Current(); cur != nil && cur.Fresh(r.now()) {
		return true
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.redisTimeout)
	data, err := r.store.Get(rctx)
	cancel()
	if err != nil {
		if !errors.Is(err, snapshot.ErrMiss) {
			r.log.Warn("start: read snapshot", "err", err)
		}
		return false
	}
	snap, err := worldstate.Read(data)
	if err != nil || !snap.Fresh(r.now()) {
		return false
	}
	wrote, err := r.local.Copy(data, snap, "start")
	if err != nil {
		r.log.Error("start: publish the snapshot found in Redis", "err", err)
		return false
	}
	if wrote {
		r.metrics.Synced("start")
		r.log.Info("start: published the fresh snapshot found in Redis", "updated_at", snap.UpdatedAt)
	}
	// Not written: refused, or the follower's copy of the same bytes landed first.
	cur, _ := r.local.Current()
	return cur != nil && cur.Fresh(r.now())
}

// NextDue is when the fleet's next refresh is due, as last computed; zero before.
func (r *Refresher) NextDue() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nextDue
}

func (r *Refresher) setNextDue(t time.Time) {
	r.mu.Lock()
	r.nextDue = t
	r.mu.Unlock()
	r.metrics.NextDue(t)
}

// sleepOrKick waits d or until a kick; alive is false when ctx ended first.
func (r *Refresher) sleepOrKick(ctx context.Context, d time.Duration) (alive, kicked bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, false
	case <-t.C:
		return true, false
	case <-r.kicked:
		return true, true
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

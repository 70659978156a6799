package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"statusedge/internal/probe"
	"statusedge/internal/snapshot"
)

// statusStore is the Redis side the refresher writes to.
type statusStore interface {
	Put(ctx context.Context, data []byte, ttl time.Duration) error
	PutRecord(ctx context.Context, r snapshot.RefreshRecord) error
	Interval(ctx context.Context, configured, ttl time.Duration) snapshot.Interval
}

// refresher turns one read of `constants` into the Redis value and status.json.
type refresher struct {
	read         func(context.Context) ([]snapshot.Row, error)
	store        statusStore
	pub          *snapshot.Publisher // STATUS_DIR: status.json and what nginx serves
	ttl          time.Duration
	dbTimeout    time.Duration
	redisTimeout time.Duration
	now          func() time.Time
	log          *slog.Logger
	metrics      *metrics
	// players reads STATUS_PLAYERS_QUERY's count with each database read; nil without one.
	players func(context.Context) (int64, error)

	// pubMu orders publishes: the database loop and the probe both publish, and each
	// publish must compose the newest of both.
	pubMu sync.Mutex
	mu    sync.Mutex
	last  snapshot.RefreshRecord // last attempt
	good  *snapshot.Snapshot     // the last snapshot written everywhere
	base  *snapshot.Snapshot     // the last database read, before the probe's fields: what a republish starts from
	seen  *probe.Report          // the probe's last round; nil until one ran
}

// Refresh reads the database once and writes Redis and the file. A failed read writes
// nothing, so the last good snapshot stays and ages; Redis and the file are written
// independently so that one failing does not keep the other stale.
func (r *refresher) Refresh(ctx context.Context) error {
	start := r.now()
	rec := snapshot.RefreshRecord{At: start.UTC().Truncate(time.Millisecond)}
	snap, stage, err := r.refresh(ctx, &rec)
	took := r.now().Sub(start)
	rec.DurationMS = took.Milliseconds()
	rec.OK = err == nil
	if err != nil {
		rec.Error = err.Error()
	}
	r.metrics.observe(stage, err, took, rec.UpdatedAt)

	r.mu.Lock()
	r.last = rec
	if err == nil {
		r.good = &snap
	}
	r.mu.Unlock()

	rctx, cancel := context.WithTimeout(ctx, r.redisTimeout)
	defer cancel()
	if perr := r.store.PutRecord(rctx, rec); perr != nil && err == nil {
		// The snapshot itself landed; ops just lose the record of it.
		r.log.Warn("store refresh record", "err", perr)
	}
	return err
}

// refresh does the work and says which stage failed; the snapshot is the one written.
func (r *refresher) refresh(ctx context.Context, rec *snapshot.RefreshRecord) (snap snapshot.Snapshot, stage string, err error) {
	dctx, cancel := context.WithTimeout(ctx, r.dbTimeout)
	rows, err := r.read(dctx)
	timedOut := errors.Is(dctx.Err(), context.DeadlineExceeded)
	cancel()
	if err != nil {
		if timedOut {
			// The driver reports a hung server as "invalid connection"; say what happened.
			err = fmt.Errorf("%w (no answer within %v)", err, r.dbTimeout)
		}
		return snapshot.Snapshot{}, "mysql", err
	}
	snap, fallbacks := snapshot.Build(rows, r.now(), r.ttl)
	rec.UpdatedAt, rec.Fallbacks = &snap.UpdatedAt, fallbacks
	for _, f := range fallbacks {
		r.log.Warn("constant fell back to its default", "name", f.Name, "reason", f.Reason)
	}
	if r.players != nil {
		// Garnish on the status: a failed count is null with its reason, never a failed refresh.
		pctx, cancel := context.WithTimeout(ctx, r.dbTimeout)
		n, err := r.players(pctx)
		cancel()
		if err != nil {
			rec.PlayersError = err.Error()
			r.log.Warn("players count unavailable: players is null", "err", err)
		} else {
			snap.Players = &n
		}
	}

	r.pubMu.Lock()
	defer r.pubMu.Unlock()
	r.mu.Lock()
	base := snap
	r.base = &base
	seen := r.seen
	r.mu.Unlock()
	snap = withProbe(snap, seen)
	data := snap.Encode()

	rctx, cancel := context.WithTimeout(ctx, r.redisTimeout)
	redisErr := r.store.Put(rctx, data, r.ttl)
	cancel()
	fileErr := r.pub.Publish(data, snap)
	switch {
	case redisErr != nil && fileErr != nil:
		return snap, "redis+file", errors.Join(redisErr, fileErr)
	case redisErr != nil:
		return snap, "redis", redisErr
	case fileErr != nil:
		return snap, "file", fileErr
	}
	r.log.Info("snapshot written", "updated_at", snap.UpdatedAt, "bytes", len(data), "fallbacks", len(fallbacks))
	return snap, "", nil
}

// withProbe applies the probe's last round, if any, to a database read.
func withProbe(s snapshot.Snapshot, seen *probe.Report) snapshot.Snapshot {
	if seen == nil {
		return s
	}
	return s.WithProbe(seen.Verdict, seen.At, seen.Results)
}

// Republish writes the last database read again with the probe's latest round applied:
// no database query, and updated_at and fresh_until unchanged, so a flip never extends
// freshness. Redis gets what is left of the freshness as the key's TTL. It does nothing
// before the first successful read, or once that read is past its freshness.
func (r *refresher) Republish(ctx context.Context) error {
	r.pubMu.Lock()
	defer r.pubMu.Unlock()
	r.mu.Lock()
	base, seen := r.base, r.seen
	r.mu.Unlock()
	if base == nil {
		return nil
	}
	left := base.FreshUntil.Sub(r.now()) / time.Second * time.Second
	if left <= 0 {
		return nil
	}
	snap := withProbe(*base, seen)
	data := snap.Encode()
	rctx, cancel := context.WithTimeout(ctx, r.redisTimeout)
	redisErr := r.store.Put(rctx, data, left)
	cancel()
	return errors.Join(redisErr, r.pub.Publish(data, snap))
}

// observeProbe records the probe's round for the next publish.
func (r *refresher) observeProbe(rep probe.Report) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = &rep
}

// health is what /healthz reports.
type health struct {
	Healthy     bool                    `json:"healthy"`
	AgeSeconds  *int64                  `json:"age_seconds"`
	LastRefresh *snapshot.RefreshRecord `json:"last_refresh,omitempty"`
	LastError   string                  `json:"last_error,omitempty"`
}

// Health is healthy while the snapshot of the last successful refresh is fresh: the one
// notion of freshness the whole system shares, asked of the snapshot itself.
func (r *refresher) Health() health {
	r.mu.Lock()
	defer r.mu.Unlock()
	var h health
	if !r.last.At.IsZero() {
		last := r.last
		h.LastRefresh, h.LastError = &last, last.Error
	}
	if r.good != nil {
		now := r.now()
		age := r.good.Age(now)
		h.AgeSeconds = &age
		h.Healthy = r.good.Fresh(now)
	}
	return h
}

// nextInterval is config:status_interval when it is set and valid, else the configured one.
func (r *refresher) nextInterval(ctx context.Context, configured time.Duration) time.Duration {
	rctx, cancel := context.WithTimeout(ctx, r.redisTimeout)
	defer cancel()
	in := r.store.Interval(rctx, configured, r.ttl)
	if in.Ignored != nil {
		r.log.Warn("interval override ignored", "err", in.Ignored, "interval_seconds", in.Every.Seconds())
	}
	return in.Every
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"statusedge/internal/snapshot"
)

// statusStore is the Redis side the refresher reads and writes, beside the snapshot's
// own write (refresher.put).
type statusStore interface {
	Get(ctx context.Context) ([]byte, error)
	PutRecord(ctx context.Context, r snapshot.RefreshRecord) error
	PutProbeRound(ctx context.Context, r snapshot.ProbeRound, ttl time.Duration) error
	Record(ctx context.Context) (snapshot.RefreshRecord, bool, error)
	Interval(ctx context.Context, configured, ttl time.Duration) snapshot.Interval
}

// refresher turns one read of `constants` into the Redis value and status.json.
type refresher struct {
	read  func(context.Context) ([]snapshot.Row, error)
	store statusStore
	// put stores the snapshot in Redis: the leader's fenced publish (role.Publish), or a
	// plain SETEX for -once.
	put func(ctx context.Context, data []byte, ttl time.Duration) error
	pub *snapshot.Publisher // STATUS_DIR: status.json and what nginx serves
	dir string              // STATUS_DIR
	// leading, when set, says whether this replica may read MySQL now (role.Leading).
	leading      func() bool
	ttl          time.Duration
	dbTimeout    time.Duration
	redisTimeout time.Duration
	now          func() time.Time
	log          *slog.Logger
	metrics      *metrics
	// players reads STATUS_PLAYERS_QUERY's count with each database read; nil without one.
	players func(context.Context) (int64, error)

	// composeMu orders the database loop's and the probe's writes: each composes the
	// newest of both (the last read plus the probe's last round) and writes it whole.
	composeMu sync.Mutex
	// pubMu makes compare-and-publish one step: the leader's writes and the follower
	// sync both write STATUS_DIR. Taken after composeMu, never before.
	pubMu    sync.Mutex
	mu       sync.Mutex
	last     snapshot.RefreshRecord // last attempt
	good     *snapshot.Snapshot     // the snapshot in STATUS_DIR, as this process wrote or found it
	goodData []byte                 // its bytes
	base     *snapshot.Snapshot     // the last database read, before the probe's fields: what a republish starts from
	seen     *snapshot.ProbeRound   // the probe's last round; nil until one ran
	nextDue  time.Time              // when the fleet's next refresh is due, as last computed
}

// Refresh reads the database once and writes Redis and the file. A failed read writes
// nothing, so the last good snapshot stays and ages; Redis and the file are written
// independently so that one failing does not keep the other stale.
func (r *refresher) Refresh(ctx context.Context) error {
	start := r.now()
	rec := snapshot.RefreshRecord{At: start.UTC().Truncate(time.Millisecond)}
	_, stage, err := r.refresh(ctx, &rec)
	took := r.now().Sub(start)
	rec.DurationMS = took.Milliseconds()
	rec.OK = err == nil
	if err != nil {
		rec.Error = err.Error()
	}
	r.metrics.observe(stage, err, took, rec.UpdatedAt)

	if errors.Is(err, errNotLeader) {
		// Not ours to record: the leader that refused this write keeps the record.
		return err
	}
	r.mu.Lock()
	r.last = rec
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

	r.composeMu.Lock()
	defer r.composeMu.Unlock()
	r.mu.Lock()
	base := snap
	r.base = &base
	seen := r.seen
	r.mu.Unlock()
	snap = withProbe(snap, seen)
	data := snap.Encode()

	rctx, cancel := context.WithTimeout(ctx, r.redisTimeout)
	redisErr := r.put(rctx, data, r.ttl)
	cancel()
	if errors.Is(redisErr, errNotLeader) {
		// A newer leader exists: its snapshot stands, in Redis and on every disk.
		return snap, "fenced", redisErr
	}
	_, fileErr := r.publishLocal(data, snap)
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
func withProbe(s snapshot.Snapshot, seen *snapshot.ProbeRound) snapshot.Snapshot {
	if seen == nil {
		return s
	}
	return s.WithProbe(*seen)
}

// Republish writes the last database read again with the probe's latest round applied:
// no database query, and updated_at and fresh_until unchanged, so a flip never extends
// freshness. Redis gets what is left of the freshness as the key's TTL. It does nothing
// before the first successful read, or once that read is past its freshness.
func (r *refresher) Republish(ctx context.Context) error {
	r.composeMu.Lock()
	defer r.composeMu.Unlock()
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
	redisErr := r.put(rctx, data, left)
	cancel()
	if errors.Is(redisErr, errNotLeader) {
		return redisErr // a newer leader's snapshot stands
	}
	_, fileErr := r.publishLocal(data, snap)
	return errors.Join(redisErr, fileErr)
}

// observeProbe records the probe's round for the next publish and for /healthz.
func (r *refresher) observeProbe(round snapshot.ProbeRound) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = &round
}

// publishLocal writes data to STATUS_DIR unless what is there is newer: a later
// updated_at, or the same one with the same bytes. Every replica writes through here,
// with the one Publisher, so every STATUS_DIR holds the same bytes.
func (r *refresher) publishLocal(data []byte, snap snapshot.Snapshot) (wrote bool, err error) {
	r.pubMu.Lock()
	defer r.pubMu.Unlock()
	r.mu.Lock()
	cur, curData := r.good, r.goodData
	r.mu.Unlock()
	if cur != nil && (snap.UpdatedAt.Before(cur.UpdatedAt) || (snap.UpdatedAt.Equal(cur.UpdatedAt) && bytes.Equal(data, curData))) {
		return false, nil
	}
	err = r.pub.Publish(data, snap)
	if errors.Is(err, snapshot.ErrNoSecondLeft) {
		// A probe round in the snapshot's last max-age: its max-age would outlive
		// fresh_until. What is served stays; the snapshot goes stale within seconds.
		// Debug: a follower meets the same bytes again on every check until then.
		r.log.Debug("probe round not written to STATUS_DIR", "reason", err, "fresh_until", snap.FreshUntil)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r.mu.Lock()
	r.good, r.goodData = &snap, data
	r.mu.Unlock()
	r.metrics.local(snap)
	return true, nil
}

// loadLocal takes what STATUS_DIR holds at start as the copy to compare with, so that a
// restarted follower never writes an older snapshot over it.
func (r *refresher) loadLocal() error {
	data, _, err := snapshot.ReadFile(r.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	snap, err := snapshot.Parse(data)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.good, r.goodData = &snap, data
	r.mu.Unlock()
	r.metrics.local(snap)
	return nil
}

// health is what /healthz reports.
type health struct {
	Healthy     bool                    `json:"healthy"`
	AgeSeconds  *int64                  `json:"age_seconds"`
	LastRefresh *snapshot.RefreshRecord `json:"last_refresh,omitempty"`
	LastError   string                  `json:"last_error,omitempty"`
	// LastProbe is the probe's last round on this replica, with the targets' addresses
	// and errors that the public snapshot leaves out; absent without a probe, and on a
	// follower (only the leader probes).
	LastProbe *snapshot.ProbeRound `json:"last_probe,omitempty"`
}

// Health is healthy while the snapshot in STATUS_DIR is fresh: the one notion of
// freshness the whole system shares, asked of the snapshot itself. On the leader that is
// its last successful refresh; on a follower its copy of the leader's.
func (r *refresher) Health() health {
	r.mu.Lock()
	defer r.mu.Unlock()
	var h health
	if !r.last.At.IsZero() {
		last := r.last
		h.LastRefresh, h.LastError = &last, last.Error
	}
	h.LastProbe = r.seen
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

package replica

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"statusedge/internal/leader"
	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// Store is the Redis side the refresher reads and writes, beside the snapshot's
// own write (Config.Put).
type Store interface {
	Get(ctx context.Context) ([]byte, error)
	PutRecord(ctx context.Context, r snapshot.RefreshRecord) error
	PutProbeRound(ctx context.Context, r snapshot.ProbeRound, ttl time.Duration) error
	Record(ctx context.Context) (snapshot.RefreshRecord, bool, error)
	Interval(ctx context.Context, configured, ttl time.Duration) snapshot.Interval
}

// RefreshMetrics is what a Refresher counts: each refresh by the stage that failed, when
// the fleet's next refresh is due, and each follower copy by what brought it.
type RefreshMetrics interface {
	Observe(stage string, err error, took time.Duration, updatedAt *time.Time)
	NextDue(t time.Time)
	Synced(via string)
}

// Config is what a Refresher is built with; see the fields of Refresher for each.
type Config struct {
	Source       Source
	Store        Store
	Put          func(ctx context.Context, data []byte, ttl time.Duration) error
	Local        *Local
	Leading      func() bool // nil: always (-once)
	TTL          time.Duration
	DBTimeout    time.Duration
	RedisTimeout time.Duration
	Now          func() time.Time
	Log          *slog.Logger
	Metrics      RefreshMetrics
	Plan         func(now time.Time) (active, next *maintenance.Window)
	// Sampling says that a Sampler counts the players at its own pace
	// (STATUS_PLAYERS_INTERVAL): the refresh then reads no count.
	Sampling bool
}

// NewRefresher is the refresher of c's world; nothing runs yet.
func NewRefresher(c Config) *Refresher {
	read, count := c.Source.readers()
	withRead := count
	if c.Sampling {
		withRead = nil
	}
	return &Refresher{
		read: read, counter: count, store: c.Store, put: c.Put, local: c.Local, leading: c.Leading,
		ttl: c.TTL, dbTimeout: c.DBTimeout, redisTimeout: c.RedisTimeout, now: c.Now, log: c.Log,
		metrics: c.Metrics, players: withRead, plan: c.Plan, kicked: make(chan struct{}, 1),
	}
}

// Refresher turns one read of `constants` into the Redis value and status.json.
type Refresher struct {
	read  func(context.Context) ([]snapshot.Row, error)
	store Store
	// put stores the snapshot in Redis: the leader's fenced publish (leader.Role.PublishTo), or a
	// plain SETEX for -once.
	put   func(ctx context.Context, data []byte, ttl time.Duration) error
	local *Local // STATUS_DIR: status.json and what nginx serves
	// leading, when set, says whether this replica may read MySQL now (leader.Role.Acting).
	leading      func() bool
	ttl          time.Duration
	dbTimeout    time.Duration
	redisTimeout time.Duration
	now          func() time.Time
	log          *slog.Logger
	metrics      RefreshMetrics
	// players reads STATUS_PLAYERS_QUERY's count with each database read; nil without one.
	players func(context.Context) (int64, error)
	// counter is the players query itself, for a Sampler; nil without one.
	counter func(context.Context) (int64, error)
	// plan says which maintenance window is active at a moment and which is announced
	// next; nil: none ever.
	plan func(now time.Time) (active, next *maintenance.Window)

	// composeMu orders the database loop's and the probe's writes: each composes the
	// newest of both (the last read plus the probe's last round) and writes it whole.
	// Taken before the local copy's own lock, never after.
	composeMu sync.Mutex
	mu        sync.Mutex
	last      snapshot.RefreshRecord // last attempt
	base      *snapshot.Snapshot     // the last database read, before the probe's fields: what a republish starts from
	seen      *snapshot.ProbeRound   // the probe's last round; nil until one ran
	count     *snapshot.Count        // the players query's last read this term; nil until one
	seq       int64                  // the last publish's seq; under composeMu
	ignored   string                 // why the live interval was last ignored, as warned
	// kicked asks Loop for a read before its due time (kick); capacity 1.
	kicked  chan struct{}
	nextDue time.Time // when the fleet's next refresh is due, as last computed
	// sent are the last bytes this replica put into Redis itself, newest last. They come
	// back on lease.Channel and in server:status, and are no copy of another replica's:
	// Follow skips them. Several, because a message can arrive after the next put.
	sent [][]byte
	// stranger is the last snapshot a leader met that it did not write (apply), warned
	// of once: while its put-back fails (a damaged fence) every check meets it again.
	stranger []byte
}

// sentKept is how many of its own puts a replica recognises. A leader puts at most once
// per probe round; Follow handles each message in microseconds, so it never lags that far.
const sentKept = 8

// putOwn remembers data as this replica's own, then puts it. It remembers first: Redis
// announces the bytes before put returns, so the message may be handled before that.
func (r *Refresher) putOwn(ctx context.Context, data []byte, ttl time.Duration) error {
	r.mu.Lock()
	r.sent = append(r.sent, data)
	if n := len(r.sent); n > sentKept {
		r.sent = slices.Clone(r.sent[n-sentKept:])
	}
	r.mu.Unlock()
	return r.put(ctx, data, ttl)
}

// newStranger reports whether data is not the stranger's snapshot last met, and
// remembers it: the leader warns of each stranger once.
func (r *Refresher) newStranger(data []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if bytes.Equal(r.stranger, data) {
		return false
	}
	r.stranger = bytes.Clone(data)
	return true
}

// own reports whether data is one of this replica's own recent puts.
func (r *Refresher) own(data []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.ContainsFunc(r.sent, func(s []byte) bool { return bytes.Equal(s, data) })
}

// Refresh reads the database once and writes Redis and the file. A failed read writes
// nothing, so the last good snapshot stays and ages; Redis and the file are written
// independently so that one failing does not keep the other stale.
func (r *Refresher) Refresh(ctx context.Context) error {
	start := r.now()
	rec := snapshot.RefreshRecord{At: start.UTC().Truncate(time.Millisecond)}
	_, stage, err := r.refresh(ctx, &rec)
	took := r.now().Sub(start)
	rec.DurationMS = took.Milliseconds()
	rec.OK = err == nil
	if err != nil {
		rec.Error = err.Error()
	}
	r.metrics.Observe(stage, err, took, rec.UpdatedAt)

	if errors.Is(err, leader.ErrNotLeader) {
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
func (r *Refresher) refresh(ctx context.Context, rec *snapshot.RefreshRecord) (snap snapshot.Snapshot, stage string, err error) {
	dctx, cancel := context.WithTimeout(ctx, r.dbTimeout)
	start := r.now()
	rows, err := r.read(dctx)
	// The driver's own read timeout (the same -db-timeout) races the context's deadline
	// and may answer first, before the context says it expired: the time taken tells.
	timedOut := errors.Is(dctx.Err(), context.DeadlineExceeded) || r.now().Sub(start) >= r.dbTimeout*9/10
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
		c := snapshot.Count{N: n, At: snap.UpdatedAt}
		if err != nil {
			rec.PlayersError = err.Error()
			c = snapshot.Count{Err: err.Error()}
			r.log.Warn("players count unavailable: players is null", "err", err)
		}
		r.mu.Lock()
		r.count = &c
		r.mu.Unlock()
	}

	r.composeMu.Lock()
	defer r.composeMu.Unlock()
	r.mu.Lock()
	base := snap
	r.base = &base
	seen, count := r.seen, r.count
	r.mu.Unlock()
	snap = r.compose(snap, seen, count)
	snap.Seq = r.nextSeq()
	data := snap.Encode()

	rctx, cancel := context.WithTimeout(ctx, r.redisTimeout)
	redisErr := r.putOwn(rctx, data, r.ttl)
	cancel()
	if errors.Is(redisErr, leader.ErrNotLeader) {
		// A newer leader exists: its snapshot stands, in Redis and on every disk.
		return snap, "fenced", redisErr
	}
	// leader.ErrIsolated counts as the Redis failure it is; the file is written all the same.
	_, fileErr := r.local.Publish(data, snap)
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

// nextSeq is the seq of the publish being composed: above this replica's last and above
// the copy it holds (a new leader's first publish follows the old leader's last).
// Called under composeMu.
func (r *Refresher) nextSeq() int64 {
	last := r.seq
	if cur, _ := r.local.Current(); cur != nil {
		last = max(last, cur.Seq)
	}
	// A seq past the skew came from a clock that ran ahead (this one's, since stepped back,
	// or a former leader's): following it would keep every publish refused as future.
	now := r.now()
	r.seq = snapshot.NextSeq(min(last, now.Add(snapshot.MaxSkew).UnixMilli()), now)
	return r.seq
}

// passSeq makes the next publish's seq pass seq, a plausible stranger's (Plausible
// bounds it to MaxSkew ahead of this clock).
func (r *Refresher) passSeq(seq int64) {
	r.composeMu.Lock()
	defer r.composeMu.Unlock()
	r.seq = max(r.seq, seq)
}

// newerRead reports whether s claims a later database read than this replica's own.
func (r *Refresher) newerRead(s snapshot.Snapshot) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.base != nil && s.UpdatedAt.After(r.base.UpdatedAt)
}

// kick asks the leader's Loop for a read now (at most once per snapshot.MinInterval).
func (r *Refresher) kick() {
	select {
	case r.kicked <- struct{}{}:
	default:
	}
}

// compose is a database read as published now: with the probe's last round, the
// players count (this term's last, else the one the read carries: a new leader's first
// publishes start from the last leader's copy) and the planned maintenance of the moment.
func (r *Refresher) compose(s snapshot.Snapshot, seen *snapshot.ProbeRound, count *snapshot.Count) snapshot.Snapshot {
	if count == nil {
		count = s.CountOf()
	}
	if count == nil && r.counter != nil {
		// A query is configured but this term has not counted yet (its Sampler's first
		// count follows within its own read): null, and said so.
		count = &snapshot.Count{Unread: true}
	}
	s = withProbe(s, seen).WithCount(count)
	if r.plan == nil {
		return worldstate.Published(s, nil, nil)
	}
	active, next := r.plan(r.now())
	return worldstate.Published(s, active, next)
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
// freshness. Redis gets what is left of the freshness as the key's TTL. Before this
// replica's first read of its term (a new leader: Loop forgets the last term's read) it
// starts from the copy in its STATUS_DIR, the last leader's read, so that a takeover
// shows flips at once rather than after the next read. It does nothing without either, or once the read is past its freshness. An
// isolated replica (Redis out of reach) writes its STATUS_DIR alone.
func (r *Refresher) Republish(ctx context.Context) error {
	r.composeMu.Lock()
	defer r.composeMu.Unlock()
	r.mu.Lock()
	seen, count := r.seen, r.count
	r.mu.Unlock()
	base := r.republishBase()
	if base == nil {
		return nil
	}
	left := base.FreshUntil.Sub(r.now()) / time.Second * time.Second
	if left <= 0 {
		return nil
	}
	snap := r.compose(*base, seen, count)
	snap.Seq = r.nextSeq()
	data := snap.Encode()
	rctx, cancel := context.WithTimeout(ctx, r.redisTimeout)
	redisErr := r.putOwn(rctx, data, left)
	cancel()
	switch {
	case errors.Is(redisErr, leader.ErrNotLeader):
		return redisErr // a newer leader's snapshot stands
	case errors.Is(redisErr, leader.ErrIsolated):
		redisErr = nil // said once, by the role
	}
	_, fileErr := r.local.Publish(data, snap)
	return errors.Join(redisErr, fileErr)
}

// republishBase is the read Republish starts from: this term's own, else the copy in
// STATUS_DIR (a new leader: the last leader's read, until its own); nil without either.
func (r *Refresher) republishBase() *snapshot.Snapshot {
	r.mu.Lock()
	base := r.base
	r.mu.Unlock()
	if base == nil {
		base, _ = r.local.Current()
	}
	return base
}

// Players is the player count of the read the status shows (nil: not counted, or that
// read is past its freshness: a channel never shows an old count as current).
func (r *Refresher) Players() *int64 {
	base := r.republishBase()
	if base == nil || base.Players == nil || !r.now().Before(base.FreshUntil) {
		return nil
	}
	return new(*base.Players)
}

// Local is the world's STATUS_DIR copy this refresher writes.
func (r *Refresher) Local() *Local { return r.local }

// observeCount records the players query's read for the next publish.
func (r *Refresher) observeCount(c snapshot.Count) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count = &c
}

// observeProbe records the probe's round for the next publish and for /healthz.
func (r *Refresher) observeProbe(round snapshot.ProbeRound) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = &round
}

// Health is what /healthz reports.
type Health struct {
	Healthy     bool                    `json:"healthy"`
	AgeSeconds  *int64                  `json:"age_seconds"`
	LastRefresh *snapshot.RefreshRecord `json:"last_refresh,omitempty"`
	LastError   string                  `json:"last_error,omitempty"`
	// LastProbe is the probe's last round on this replica, with the targets' addresses
	// and errors that the public snapshot leaves out; absent without a probe, and on a
	// follower (only the leader probes).
	LastProbe *snapshot.ProbeRound `json:"last_probe,omitempty"`
	// LastRefused is the last snapshot refused as implausible (dated ahead of this
	// clock, or claiming too long a window), from Redis or in STATUS_DIR at start.
	LastRefused *snapshot.Refusal `json:"last_refused,omitempty"`
}

// Health is healthy while the snapshot in STATUS_DIR is fresh: the one notion of
// freshness the whole system shares, asked of the snapshot itself. On the leader that is
// its last successful refresh; on a follower its copy of the leader's.
func (r *Refresher) Health() Health {
	r.mu.Lock()
	defer r.mu.Unlock()
	var h Health
	if !r.last.At.IsZero() {
		last := r.last
		h.LastRefresh, h.LastError = &last, last.Error
	}
	h.LastProbe = r.seen
	h.LastRefused = r.local.Refused()
	_, h.AgeSeconds, h.Healthy = r.local.View(r.now())
	return h
}

// nextInterval is config:status_interval when it is set and valid, else the configured one.
func (r *Refresher) nextInterval(ctx context.Context, configured time.Duration) time.Duration {
	rctx, cancel := context.WithTimeout(ctx, r.redisTimeout)
	defer cancel()
	in := r.store.Interval(rctx, configured, r.ttl)
	// Reread every 2 s: said when the reason changes, not each time.
	why := ""
	if in.Ignored != nil {
		why = in.Ignored.Error()
	}
	r.mu.Lock()
	news := why != r.ignored
	r.ignored = why
	r.mu.Unlock()
	if news && why != "" {
		r.log.Warn("interval override ignored", "err", in.Ignored, "interval_seconds", in.Every.Seconds())
	}
	return in.Every
}

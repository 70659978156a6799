package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// Where an answer came from (spec: _cache.source).
const (
	sourceRedis     = "redis"
	sourceDatabase  = "database"
	sourceLastKnown = "last_known"
)

// statusStore is the Redis side the origin reads, refills and reports on.
type statusStore interface {
	Get(ctx context.Context) ([]byte, error)
	Put(ctx context.Context, data []byte, ttl time.Duration) error
	TTL(ctx context.Context) (snapshot.Expiry, error)
	Record(ctx context.Context) (snapshot.RefreshRecord, bool, error)
	ProbeRound(ctx context.Context) (snapshot.ProbeRound, bool, error)
	Interval(ctx context.Context, configured, ttl time.Duration) snapshot.Interval
	Ping(ctx context.Context) error
}

// servable is a snapshot ready to send: its exact bytes, their parsed form and their ETag.
type servable struct {
	data []byte
	snap snapshot.Snapshot
	etag string
}

// newServable computes the ETag once. It is strong and derived from the snapshot bytes
// alone, so every source of the same snapshot (Redis, MySQL, memory, file) validates
// the same way.
func newServable(data []byte, snap snapshot.Snapshot) servable {
	sum := sha256.Sum256(data)
	return servable{data: data, snap: snap, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// answer is a snapshot and how it was obtained.
type answer struct {
	servable
	source string
}

// errNoStatus means no source has a snapshot: the origin answers 503, never a made-up status.
var errNoStatus = errors.New("no status available: Redis, MySQL and the last known snapshot all failed")

// chain answers with the best snapshot of one world available: Redis, then MySQL through
// one shared in-flight read, then the last snapshot this process knows, then the world's
// status copy on disk. One chain serves one world; its layout says which key (in store)
// and which copy in STATUS_DIR are that world's, and read reads that world's table.
type chain struct {
	layout snapshot.Layout
	store  statusStore
	read   func(context.Context) ([]snapshot.Row, error)
	pingDB func(context.Context) error
	dir    string
	ttl    time.Duration
	// maxAge, when above 0, caps max-age: STATUS_PROBE_INTERVAL with a probe configured,
	// so that no cache hides an online/offline flip for longer than one probe round.
	maxAge       time.Duration
	redisTimeout time.Duration
	dbTimeout    time.Duration
	// dbBackoff is how long a failed MySQL read is remembered, so a dead database gets
	// one attempt per window however many visitors arrive.
	dbBackoff time.Duration
	// dbReuse is how long a successful MySQL read answers later misses too, so a Redis
	// outage costs MySQL one read per window rather than one per wave of visitors.
	dbReuse time.Duration
	now     func() time.Time
	log     *slog.Logger
	metrics *metrics
	// plan is the world's planned maintenance at a moment, for a snapshot built from
	// MySQL (the leader's own carry it already); nil: none.
	plan   func(ctx context.Context, now time.Time) (active, next *maintenance.Window)
	flight singleflight.Group
	// refills are the Redis writes running beside the answers; run waits for them
	// before it closes the Redis client under them.
	refills sync.WaitGroup

	mu        sync.Mutex
	last      *servable // last snapshot served from Redis or MySQL
	lastDB    *servable // last snapshot read from MySQL, at lastDBAt
	lastDBAt  time.Time
	dbErr     error // last MySQL failure, while within dbBackoff of dbErrAt
	dbErrAt   time.Time
	fallbacks []snapshot.Fallback // from this process's own last MySQL read
	// refused remembers the implausible snapshots met (snapshot.Gate); it has its own lock.
	refused snapshot.Gate
}

// Status returns the best answer, or errNoStatus.
func (c *chain) Status(ctx context.Context) (answer, error) {
	if k, ok := c.fromRedis(ctx); ok {
		return answer{k, sourceRedis}, nil
	}
	k, err := c.fromDatabase(ctx)
	if err == nil {
		return answer{k, sourceDatabase}, nil
	}
	if k, ok := c.lastKnown(); ok {
		return answer{k, sourceLastKnown}, nil
	}
	return answer{}, fmt.Errorf("%w (mysql: %v)", errNoStatus, err)
}

func (c *chain) fromRedis(ctx context.Context) (servable, bool) {
	rctx, cancel := context.WithTimeout(ctx, c.redisTimeout)
	defer cancel()
	data, err := c.store.Get(rctx)
	switch {
	case errors.Is(err, snapshot.ErrMiss):
		c.metrics.redis.WithLabelValues("miss").Inc()
		return servable{}, false
	case err != nil:
		// Counted, not logged per request: a Redis outage would flood the log.
		c.metrics.redis.WithLabelValues("error").Inc()
		return servable{}, false
	}
	// Redis holds the same bytes for a whole interval: parse and hash them once.
	c.mu.Lock()
	last := c.last
	c.mu.Unlock()
	k := servable{}
	if last != nil && bytes.Equal(last.data, data) {
		k = *last
	} else {
		if c.refused.Again(data) {
			c.metrics.redis.WithLabelValues("refused").Inc()
			return servable{}, false
		}
		snap, err := worldstate.Read(data)
		if err != nil {
			c.metrics.redis.WithLabelValues("garbage").Inc()
			c.log.Warn("unreadable snapshot in Redis, treated as a miss", "key", c.layout.Status, "err", err)
			return servable{}, false
		}
		if c.refuse(data, snap, "redis") {
			c.metrics.redis.WithLabelValues("refused").Inc()
			return servable{}, false
		}
		k = newServable(data, snap)
		c.remember(k)
	}
	// The key outlives fresh_until by the part of a second the write came after
	// updated_at: past fresh_until it is a miss, and MySQL may have something fresh.
	if !k.snap.Fresh(c.now()) {
		c.metrics.redis.WithLabelValues("expired").Inc()
		return servable{}, false
	}
	c.metrics.redis.WithLabelValues("hit").Inc()
	return k, true
}

// fromDatabase reads MySQL once for all concurrent callers and refills Redis. A read that
// landed within dbReuse is as good as a new one: without that, a request that missed
// Redis while a read was in flight, but reached the flight just after it landed, would
// start a second read.
func (c *chain) fromDatabase(ctx context.Context) (servable, error) {
	if k, ok := c.recentRead(); ok {
		return k, nil
	}
	v, err, _ := c.flight.Do("mysql", func() (any, error) {
		if k, ok := c.recentRead(); ok {
			return k, nil
		}
		c.mu.Lock()
		if c.dbErr != nil && c.now().Sub(c.dbErrAt) < c.dbBackoff {
			err := c.dbErr
			c.mu.Unlock()
			c.metrics.mysql.WithLabelValues("suppressed").Inc()
			return nil, err
		}
		c.mu.Unlock()

		// The read serves every waiting caller: one of them leaving must not cancel it.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.dbTimeout)
		defer cancel()
		// The probe's last round (below), read beside the query so that a hung Redis
		// costs the answer no more than its redisTimeout, which the query mostly takes.
		round := make(chan *snapshot.ProbeRound, 1)
		go func() {
			rctx, cancel := context.WithTimeout(dctx, c.redisTimeout)
			defer cancel()
			r, ok, err := c.store.ProbeRound(rctx)
			if err != nil || !ok {
				round <- nil
				return
			}
			round <- &r
		}()
		rows, err := c.read(dctx)
		if err != nil {
			c.metrics.mysql.WithLabelValues("error").Inc()
			c.log.Error("mysql fallback failed", "err", err, "retry_after", c.dbBackoff.String())
			c.mu.Lock()
			c.dbErr, c.dbErrAt = err, c.now()
			c.mu.Unlock()
			return nil, err
		}
		c.metrics.mysql.WithLabelValues("ok").Inc()
		snap, fallbacks := snapshot.Build(rows, c.now(), c.ttl)
		// The game server's liveness is the probe's verdict, not ServerStatus (a flag a
		// crash leaves set): the leader keeps its last round in Redis for the TTL, past the
		// snapshot's freshness. Without it this answer said "online" from the table while
		// every other document said the probe's offline (the review of issue 28).
		if r := <-round; r != nil {
			snap = snap.WithProbe(*r)
		}
		var active, next *maintenance.Window
		if c.plan != nil {
			active, next = c.plan(dctx, c.now())
		}
		snap = worldstate.Published(snap, active, next)
		k := newServable(snap.Encode(), snap)
		c.mu.Lock()
		c.dbErr, c.fallbacks = nil, fallbacks
		c.lastDB, c.lastDBAt = &k, c.now()
		c.mu.Unlock()
		c.remember(k)
		// The waiters have their answer; the refill must not hold them (a hung Redis
		// would), and the reuse window answers the misses that arrive before it lands.
		c.refills.Go(func() { c.refill(k) })
		return k, nil
	})
	if err != nil {
		return servable{}, err
	}
	return v.(servable), nil
}

// planOf is a world's plan for its MySQL answers: the maintenance file's windows as last
// read well, and the command line's when Redis gives them within timeout (the MySQL path
// often runs because Redis does not answer: then the file's alone).
func planOf(files *maintenance.FileWatch, world string, store *maintenance.Store, timeout time.Duration) func(context.Context, time.Time) (active, next *maintenance.Window) {
	return func(ctx context.Context, now time.Time) (active, next *maintenance.Window) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		p := worldstate.Plan{File: files.Schedule(world)}
		if cli, err := store.Windows(ctx); err == nil {
			p.Command = cli
		}
		active, upcoming := p.At(now)
		return active, worldstate.Next(upcoming)
	}
}

// refillTimeout bounds a Redis refill. It is off every request's path, so it can be
// longer than redisTimeout: under load a refill that gives up at 100 ms leaves Redis
// empty and sends the next wave of visitors to MySQL again.
const refillTimeout = time.Second

// waitRefills returns once every refill started so far has ended (each is bounded by
// refillTimeout). Call it after the server has drained.
func (c *chain) waitRefills() { c.refills.Wait() }

// refill stores a snapshot read from MySQL in Redis for the rest of its freshness.
func (c *chain) refill(k servable) {
	ctx, cancel := context.WithTimeout(context.Background(), refillTimeout)
	defer cancel()
	if err := c.store.Put(ctx, k.data, k.snap.FreshUntil.Sub(c.now())); err != nil {
		c.log.Warn("refill Redis", "err", err)
	}
}

// recentRead returns the last MySQL read if it landed within dbReuse.
func (c *chain) recentRead() (servable, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lastDB == nil || c.now().Sub(c.lastDBAt) >= c.dbReuse {
		return servable{}, false
	}
	return *c.lastDB, true
}

func (c *chain) remember(k servable) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil || !k.snap.UpdatedAt.Before(c.last.snap.UpdatedAt) {
		c.last = &k
	}
}

// lastKnown is the newest snapshot this origin can know: the newest it has served, or the
// world's status copy on disk (status.json without a worlds file) when that is newer
// (snapshot.Newer). The copy goes on changing while this origin cannot read Redis or
// MySQL: the snapshotter beside it reads a database this origin may not reach, and
// copies what its leader publishes.
func (c *chain) lastKnown() (servable, bool) {
	c.mu.Lock()
	last := c.last
	c.mu.Unlock()
	disk, ok := c.fromDisk()
	switch {
	case ok && (last == nil || disk.snap.Newer(last.snap, bytes.Equal(disk.data, last.data))):
		c.remember(disk) // known now, should the copy be replaced by an older one
		return disk, true
	case last != nil:
		return *last, true
	}
	return servable{}, false
}

// fromDisk is the world's status copy in STATUS_DIR, when it holds a plausible snapshot.
// Bytes refused (or unreadable) last are skipped without a word: this runs for every
// answer while Redis and MySQL both fail.
func (c *chain) fromDisk() (servable, bool) {
	data, _, err := c.layout.ReadFile(c.dir)
	if err != nil || c.refused.Again(data) {
		return servable{}, false
	}
	snap, err := worldstate.Read(data)
	if err != nil {
		c.refused.Refuse(data, snap, c.now(), "file", err)
		c.log.Warn("unreadable status copy, not served", "dir", c.dir, "file", c.layout.StatusFile, "err", err)
		return servable{}, false
	}
	if c.refuse(data, snap, "file") {
		return servable{}, false
	}
	return newServable(data, snap), true
}

// refuse reports whether snap (data, read from via) is implausible, and then counts and
// logs its refusal (snapshot.Gate remembers it).
func (c *chain) refuse(data []byte, snap snapshot.Snapshot, via string) bool {
	r := c.refused.Check(data, snap, c.now(), c.ttl, via)
	if r != nil {
		c.metrics.refused.WithLabelValues(r.Reason).Inc()
		c.log.Warn("snapshot refused, not served", "via", via, "reason", r.Reason, "err", r.Error)
	}
	return r != nil
}

// chainView is what the chain knows, for the debug page: a copy taken under its lock, so
// the page never holds the lock the answers need while it probes Redis, MySQL and disk.
type chainView struct {
	at        time.Time // when the view was taken, by the chain's clock
	last      *servable // newest snapshot this process has served, if any
	dbErr     error     // last MySQL failure, nil once a read succeeds
	fallbacks []snapshot.Fallback
	refused   *snapshot.Refusal
}

func (c *chain) view() chainView {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := chainView{at: c.now(), dbErr: c.dbErr, fallbacks: slices.Clone(c.fallbacks), refused: c.refused.Last()}
	if c.last != nil {
		last := *c.last
		v.last = &last
	}
	return v
}

// Ready says which source the chain can answer from now: "redis", else "mysql", else an
// error naming both failures (spec: GET /readyz).
func (c *chain) Ready(ctx context.Context) (string, error) {
	rctx, cancel := context.WithTimeout(ctx, c.redisTimeout)
	defer cancel()
	redisErr := c.store.Ping(rctx)
	if redisErr == nil {
		return sourceRedis, nil
	}
	dctx, cancel := context.WithTimeout(ctx, c.dbTimeout)
	defer cancel()
	dbErr := c.pingDB(dctx)
	if dbErr == nil {
		return "mysql", nil
	}
	return "", fmt.Errorf("neither Redis nor MySQL answers: %w", errors.Join(redisErr, dbErr))
}

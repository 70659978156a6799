package replica

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"statusedge/internal/leader"
	"statusedge/internal/samples"
	"statusedge/internal/snapshot"
)

// SampleStore is where a Sampler keeps the counts and the answer times (samples.Store).
type SampleStore interface {
	AddPlayers(ctx context.Context, token int64, at time.Time, n int64, every time.Duration) (accepted, added bool, err error)
	AddAnswer(ctx context.Context, token int64, at time.Time, ms int64) (accepted, added bool, err error)
	Day(ctx context.Context, day time.Time) (players, answer []samples.Sample, err error)
	Settle(ctx context.Context, token int64, now time.Time, every time.Duration) (bool, error)
}

// Sampler is a world's leader task that counts the players once per slot of every
// (STATUS_PLAYERS_INTERVAL), on its own pace and never for a visitor: one read-only
// query, its count kept in Redis under the term's token (a deposed leader writes none;
// one sample per slot across leaders), then published with the status through the
// refresher's one publish, so the status, its badge and the worlds index carry the same
// count and its time. It also keeps the probe's answer time (Answer).
type Sampler struct {
	r      *Refresher
	store  SampleStore
	fenced func(ctx context.Context, fence string, write func(ctx context.Context, token int64) (bool, error)) error
	fence  string // the world's fence, which the store's writes raise
	every  time.Duration
	now    func() time.Time
	log    *slog.Logger
}

// NewSampler counts r's world's players every every into store, fenced by role at the
// world's fence key.
func NewSampler(r *Refresher, store SampleStore, role *leader.Role, fence string, every time.Duration, log *slog.Logger) *Sampler {
	return &Sampler{r: r, store: store, fenced: role.Fenced, fence: fence, every: every, now: r.now, log: log}
}

// slot is the slot of t.
func (s *Sampler) slot(t time.Time) int64 { return t.Unix() / int64(s.every/time.Second) }

// Run samples until ctx ends (the term ends): at once, unless the slot already has a
// sample (another leader's, this term's count then taken from it, no query), then at
// each slot's start.
func (s *Sampler) Run(ctx context.Context) {
	s.start(ctx)
	for {
		now := s.now()
		next := time.Unix((s.slot(now)+1)*int64(s.every/time.Second), 0)
		if !sleep(ctx, next.Sub(now)) {
			return
		}
		s.sample(ctx)
	}
}

// start is a term's first count: the current slot's sample if it has one, else a read.
func (s *Sampler) start(ctx context.Context) {
	s.r.mu.Lock()
	s.r.count = nil // this term's count is this term's sample
	s.r.mu.Unlock()
	if !s.adopt(ctx) {
		s.sample(ctx)
	}
}

// adopt takes the current slot's sample from Redis, if it has one, as the term's count.
func (s *Sampler) adopt(ctx context.Context) bool {
	rctx, cancel := context.WithTimeout(ctx, s.r.redisTimeout)
	defer cancel()
	now := s.now()
	p, _, err := s.store.Day(rctx, now)
	if err != nil || len(p) == 0 || s.slot(p[len(p)-1].At) != s.slot(now) {
		return false
	}
	last := p[len(p)-1]
	s.r.observeCount(snapshot.Count{N: last.V, At: last.At})
	s.publish(ctx)
	return true
}

// sample counts once, keeps the count, and publishes it with the status.
func (s *Sampler) sample(ctx context.Context) {
	if s.r.leading != nil && !s.r.leading() {
		return // the lease lapsed: no read until it is renewed
	}
	at := s.now()
	dctx, cancel := context.WithTimeout(ctx, s.r.dbTimeout)
	n, err := s.r.counter(dctx)
	cancel()
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		s.log.Warn("players count unavailable: players is null", "err", err)
		s.r.observeCount(snapshot.Count{Err: err.Error()})
		s.publish(ctx)
		return
	}
	err = s.write(ctx, func(ctx context.Context, token int64) (bool, error) {
		ok, _, err := s.store.AddPlayers(ctx, token, at, n, s.every)
		if err != nil || !ok {
			return ok, err
		}
		return s.store.Settle(ctx, token, at, s.every)
	})
	switch {
	case errors.Is(err, leader.ErrNotLeader):
		return // a newer leader counts; its status stands
	case errors.Is(err, leader.ErrIsolated):
		// Redis out of reach: the count still goes to this replica's own STATUS_DIR.
	case leader.Unsaid(err) != nil:
		s.log.Warn("keep the players count", "err", err)
	}
	s.r.observeCount(snapshot.Count{N: n, At: at})
	s.publish(ctx)
}

// Answer keeps a probe round's answer time: the median of the answering targets'
// latency, none when no target answered.
func (s *Sampler) Answer(ctx context.Context, round snapshot.ProbeRound) {
	var ms []int64
	for _, t := range round.Targets {
		if t.OK {
			ms = append(ms, t.LatencyMS)
		}
	}
	median, ok := samples.Median(ms)
	if !ok {
		return
	}
	err := s.write(ctx, func(ctx context.Context, token int64) (bool, error) {
		ok, _, err := s.store.AddAnswer(ctx, token, round.At, median)
		if err != nil || !ok {
			return ok, err
		}
		// A world probed without a players query settles its days here.
		return s.store.Settle(ctx, token, round.At, s.every)
	})
	if leader.Unsaid(err) != nil && !errors.Is(err, leader.ErrNotLeader) && !errors.Is(err, leader.ErrIsolated) {
		s.log.Warn("keep the answer time", "err", err)
	}
}

// write runs a fenced write within the Redis deadline.
func (s *Sampler) write(ctx context.Context, w func(ctx context.Context, token int64) (bool, error)) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.r.redisTimeout)
	defer cancel()
	return s.fenced(ctx, s.fence, w)
}

// publish publishes the status again with the count (the refresher's one publish).
func (s *Sampler) publish(ctx context.Context) {
	if err := leader.Unsaid(s.r.Republish(context.WithoutCancel(ctx))); err != nil && !errors.Is(err, leader.ErrNotLeader) {
		s.log.Error("publish the players count", "err", err)
	}
}

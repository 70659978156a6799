package replica

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/leader"
	"statusedge/internal/samples"
	"statusedge/internal/snapshot"
)

// TestSamplerLeaderChangeMidSlot: leader A counts at 2 s into a one-minute slot; leader
// B takes over at 31 s: it adopts A's sample (no query, no second sample) and publishes
// that count; at the next slot B counts and A, deposed, writes nothing. The clock is
// injected (the samples' times); Redis is real, its fence and slot rule under test.
func TestSamplerLeaderChangeMidSlot(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: harnesstest.Redis(t).Addr(), DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	l := snapshot.Legacy()
	store := samples.NewStore(rdb, samples.Keys{Players: l.Players, Answer: l.Answer, Daily: l.Daily, Fence: l.Fence})
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Minute)

	type leaderOf struct {
		s       *Sampler
		queries atomic.Int32
		clock   time.Time
	}
	var online atomic.Int64
	online.Store(40)
	mk := func(token int64, at time.Duration) *leaderOf {
		ld := &leaderOf{clock: t0.Add(at)}
		r := testRefresher(t, &fakeStore{}, rowsOK)
		r.counter = func(context.Context) (int64, error) { ld.queries.Add(1); return online.Load(), nil }
		r.now = func() time.Time { return ld.clock }
		if err := r.Refresh(ctx); err != nil { // the term's read, so that a count is published
			t.Fatal(err)
		}
		fenced := func(ctx context.Context, _ string, w func(ctx context.Context, token int64) (bool, error)) error {
			ok, err := w(ctx, token)
			if err == nil && !ok {
				return leader.ErrNotLeader
			}
			return err
		}
		ld.s = &Sampler{r: r, store: store, fenced: fenced, every: time.Minute, now: r.now, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		return ld
	}
	a := mk(1, 2*time.Second)
	a.s.start(ctx)
	online.Store(41)
	b := mk(2, 31*time.Second)
	b.s.start(ctx)
	if n := b.queries.Load(); n != 0 {
		t.Errorf("the new leader queried %d times in a slot that had its sample", n)
	}
	cur, _ := b.s.r.local.Current()
	if cur == nil || cur.Players == nil || *cur.Players != 40 || !cur.PlayersAt.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("new leader's status: %+v; want A's count 40 at its time", cur)
	}
	b.clock = t0.Add(60 * time.Second)
	b.s.sample(ctx)
	a.clock = t0.Add(62 * time.Second)
	a.s.sample(ctx) // deposed: its write is refused
	p, _, err := store.Day(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 2 || p[0].V != 40 || p[1].V != 41 || !p[1].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("samples %v; want 40 at +2s (A) and 41 at +60s (B), one per slot", p)
	}
	if !errors.Is(a.s.write(ctx, func(ctx context.Context, token int64) (bool, error) {
		ok, _, err := store.AddPlayers(ctx, token, a.clock.Add(time.Minute), 1, time.Minute)
		return ok, err
	}), leader.ErrNotLeader) {
		t.Error("the deposed leader's write was not refused")
	}
}

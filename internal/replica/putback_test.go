package replica

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"statusedge/internal/config"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/leader"
	"statusedge/internal/snapshot"
)

// TestPutBackPassesTheStrangersSeq (issue 27, defect 10): a stranger's snapshot (an
// origin's refill: players null, probe []) from a clock 2 s ahead reaches a follower
// before the leader puts its own back. The put-back must be taken by the follower at
// once; it used to carry a smaller seq, so the follower refused it and showed players
// null and probe [] until a later publish passed the stranger's seq.
func TestPutBackPassesTheStrangersSeq(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rdb, token := leaderToken(ctx, t)
	store := snapshot.NewStore(rdb)
	leader := redisReplica(t, store, true, fencedPut(store, token), io.Discard)
	follower := redisReplica(t, store, false, fencedPut(store, token), io.Discard)
	leader.observeProbe(snapshot.ProbeRound{At: time.Now(), Targets: []snapshot.ProbeResult{{Addr: "127.0.0.1:1", OK: true, LatencyMS: 3}}})
	if err := leader.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// fromRedis is what a follower's check does: read the key, apply it.
	fromRedis := func() []byte {
		t.Helper()
		data, err := store.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		follower.apply(ctx, data, "check")
		return data
	}
	fromRedis()

	stranger := fromNoRows(t, time.Now().Add(2*time.Second))
	if err := rdb.Set(ctx, snapshot.KeyStatus, stranger.Encode(), time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	fromRedis()
	if cur, _ := follower.local.Current(); cur == nil || cur.Players != nil {
		t.Fatalf("the follower did not copy the stranger's snapshot: %+v", cur)
	}
	leader.apply(ctx, stranger.Encode(), "check")
	putBack := fromRedis()
	cur, data := follower.local.Current()
	if string(data) != string(putBack) || cur.Players == nil || *cur.Players != 7 || len(cur.Probe) != 1 {
		t.Errorf("after the put-back the follower holds %s, want the leader's %s", data, putBack)
	}
}

// TestLeaderRebuildsItsDamagedSnapshotKey (issue 27, defect 8: what can be rebuilt without
// risk is): bytes in the snapshot key that are no snapshot at all (not JSON, cut short, an
// escape sequence) are never copied, and the leader, on its check, puts its own snapshot
// back, so the key holds a snapshot again at once rather than after its next read.
func TestLeaderRebuildsItsDamagedSnapshotKey(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rdb, token := leaderToken(ctx, t)
	store := snapshot.NewStore(rdb)
	leader := redisReplica(t, store, true, fencedPut(store, token), io.Discard)
	if err := leader.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for _, garbage := range []string{"not a snapshot", `{"server_status":1,"rates":`, "\x1b[2J"} {
		if err := rdb.Set(ctx, snapshot.KeyStatus, garbage, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		leader.reread(ctx, "check")
		data, err := store.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s, err := snapshot.Parse(data)
		if err != nil || s.Players == nil || *s.Players != 7 {
			t.Errorf("key held %q; after the leader's check it holds %q (%v), want the leader's own snapshot", garbage, data, err)
		}
		if _, held := leader.local.Current(); string(held) != string(data) {
			t.Errorf("key held %q: STATUS_DIR holds %q, want what the key holds again", garbage, held)
		}
	}
}

// TestStrangerWarnedOnce: while the leader's put-back cannot land (a damaged fence, which
// the role says once), every check meets the same stranger's snapshot again; the leader
// warns of it once, and again for a different one.
func TestStrangerWarnedOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rdb, token := leaderToken(ctx, t)
	store := snapshot.NewStore(rdb)
	var logged harnesstest.LogBuffer
	damaged, put := false, fencedPut(store, token)
	r := redisReplica(t, store, true, func(ctx context.Context, data []byte, ttl time.Duration) error {
		if damaged {
			return fmt.Errorf("put: %w", leader.ErrFenceDamaged)
		}
		return put(ctx, data, ttl)
	}, &logged)
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	damaged = true
	const warning = "follow: a snapshot this leader did not write; its own put back"
	one, another := fromNoRows(t, time.Now().Add(-time.Minute)), fromNoRows(t, time.Now().Add(-2*time.Minute))
	for _, stranger := range []snapshot.Snapshot{one, one, one, another} {
		r.apply(ctx, stranger.Encode(), "check")
	}
	if n := strings.Count(logged.String(), warning); n != 2 {
		t.Errorf("warned %d times of 3 checks meeting one stranger and 1 meeting another, want 2:\n%s", n, logged.String())
	}
	if strings.Contains(logged.String(), "put the leader's snapshot back") {
		t.Errorf("the failed put-back was logged, though the role says a damaged fence once:\n%s", logged.String())
	}
}

// fromNoRows is a stranger's snapshot read at at from no rows (an origin's refill when
// constants is empty): every field its default, which Build lists as fallbacks.
func fromNoRows(t *testing.T, at time.Time) snapshot.Snapshot {
	t.Helper()
	s, fallbacks := snapshot.Build(nil, at, config.DefaultTTL)
	if len(fallbacks) == 0 {
		t.Fatal("Build from no rows listed no fallback")
	}
	return s
}

// redisReplica is a replica of the world on store (leading or not) that puts through put
// and logs to w; its database answers with no rows and 7 players.
func redisReplica(t *testing.T, store *snapshot.Store, leading bool, put func(ctx context.Context, data []byte, ttl time.Duration) error, w io.Writer) *Refresher {
	log, m := slog.New(slog.NewJSONHandler(w, nil)), &testMetrics{}
	return &Refresher{
		read: rowsOK, store: store, ttl: config.DefaultTTL, put: put,
		local:     testLocal(t.TempDir(), config.DefaultInterval, time.Now, time.Sleep, log, m),
		dbTimeout: 5 * time.Second, redisTimeout: 5 * time.Second, now: time.Now,
		log: log, metrics: m, leading: func() bool { return leading },
		players: func(context.Context) (int64, error) { return 7, nil },
		kicked:  make(chan struct{}, 1),
	}
}

// fencedPut is a leader's put into store with token.
func fencedPut(store *snapshot.Store, token int64) func(ctx context.Context, data []byte, ttl time.Duration) error {
	return func(ctx context.Context, data []byte, ttl time.Duration) error {
		_, err := store.PutFenced(ctx, token, data, ttl)
		return err
	}
}

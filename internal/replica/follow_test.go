package replica

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/config"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/lease"
	"statusedge/internal/snapshot"
)

// logLines hands each log line to a channel, so a test can wait for one; lines nobody
// waits for are dropped rather than stall the logger.
type logLines chan string

func (l logLines) Write(p []byte) (int, error) {
	select {
	case l <- string(p):
	default:
	}
	return len(p), nil
}

// waitLine waits for a line holding every one of parts.
func (l logLines) waitLine(t *testing.T, parts ...string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case line := <-l:
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(line, p)
			}
			if ok {
				return line
			}
		case <-deadline:
			t.Fatalf("no log line with %q within 10 s", parts)
		}
	}
}

// TestLeaderSkipsItsOwnPut: the leader's put comes back to it on lease.Channel and in
// server:status, possibly before it has written STATUS_DIR itself. It is the leader's
// own snapshot, not a follower copy: the leader writes it once, as its own, and
// statusedge_snapshotter_follower_copies_total stays 0. Each put is held until Follow
// (or check) has handled the announcement, the order in which the race went wrong.
func TestLeaderSkipsItsOwnPut(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rdb, token := leaderToken(ctx, t)

	leader := func(t *testing.T) (*Refresher, *testMetrics, logLines) {
		lines := make(logLines, 100)
		dir := t.TempDir()
		log, m := slog.New(slog.NewJSONHandler(lines, &slog.HandlerOptions{Level: slog.LevelDebug})), &testMetrics{}
		r := &Refresher{
			read: rowsOK, store: snapshot.NewStore(rdb), ttl: config.DefaultTTL,
			local:     testLocal(dir, config.DefaultInterval, time.Now, time.Sleep, log, m),
			dbTimeout: 5 * time.Second, redisTimeout: 5 * time.Second, now: time.Now,
			log: log, metrics: m, leading: func() bool { return true },
		}
		return r, m, lines
	}
	// wantOwn checks STATUS_DIR holds what this leader put, and no copy was counted.
	wantOwn := func(t *testing.T, r *Refresher, m *testMetrics) {
		t.Helper()
		put, err := rdb.Get(ctx, snapshot.KeyStatus).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if file, _, err := snapshot.ReadFile(r.local.Dir()); err != nil || !bytes.Equal(file, put) {
			t.Errorf("STATUS_DIR holds %q (%v), want what was put: %q", file, err, put)
		}
		for _, via := range []string{"message", "check"} {
			if n := m.copies(via); n != 0 {
				t.Errorf("follower copies via %s = %v, want 0: the leader counted its own put", via, n)
			}
		}
	}

	t.Run("message", func(t *testing.T) {
		r, m, lines := leader(t)
		fctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { r.Follow(fctx, rdb, config.DefaultInterval, time.Hour); close(done) }()
		t.Cleanup(func() { stop(); <-done })
		// Follow subscribes in the background: wait until Redis counts the subscriber.
		for {
			n, err := rdb.PubSubNumSub(ctx, lease.Channel).Result()
			if err != nil {
				t.Fatal(err)
			}
			if n[lease.Channel] > 0 {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatal("Follow never subscribed")
			case <-time.After(10 * time.Millisecond): // paces polling Redis's own count
			}
		}
		r.put = func(ctx context.Context, data []byte, ttl time.Duration) error {
			if _, err := snapshot.NewStore(rdb).PutFenced(ctx, token, data, ttl); err != nil {
				return err
			}
			lines.waitLine(t, `"via":"message"`)
			return nil
		}
		if err := r.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		wantOwn(t, r, m)

		// Another replica's snapshot on the channel is a copy, and counted, on a replica
		// that no longer leads (a leader takes no stranger's snapshot).
		r.leading = func() bool { return false }
		_, ownData := r.local.Current()
		own, err := snapshot.Parse(ownData)
		if err != nil {
			t.Fatal(err)
		}
		other := own
		other.UpdatedAt, other.FreshUntil, other.Seq = own.UpdatedAt.Add(time.Second), own.FreshUntil.Add(time.Second), own.Seq+1
		if _, err := snapshot.NewStore(rdb).PutFenced(ctx, token, other.Encode(), time.Minute); err != nil {
			t.Fatal(err)
		}
		lines.waitLine(t, "snapshot copied", `"via":"message"`)
		if n := m.copies("message"); n != 1 {
			t.Errorf("follower copies via message = %v after another replica's snapshot, want 1", n)
		}
	})

	t.Run("check", func(t *testing.T) {
		r, m, _ := leader(t)
		r.put = func(ctx context.Context, data []byte, ttl time.Duration) error {
			if _, err := snapshot.NewStore(rdb).PutFenced(ctx, token, data, ttl); err != nil {
				return err
			}
			r.check(ctx, config.DefaultInterval) // Follow's periodic read, in the same window
			return nil
		}
		if err := r.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		wantOwn(t, r, m)
	})
}

// leaderToken is a throwaway Redis with the lease acquired by "leader": the client and
// the leadership's fencing token, for tests that play the leader's part by hand.
func leaderToken(ctx context.Context, t *testing.T) (*redis.Client, int64) {
	t.Helper()
	srv := harnesstest.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rdb.Close() })
	l, err := lease.New(rdb, "", "leader", "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	token, ok, err := l.Acquire(ctx)
	if err != nil || !ok {
		t.Fatalf("acquire: %v, %v", ok, err)
	}
	return rdb, token
}

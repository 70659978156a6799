package replica

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"statusedge/internal/config"

	"statusedge/internal/snapshot"
)

// fakeStore records what the refresher writes; the loop's timing is what is under test.
type fakeStore struct {
	mu       sync.Mutex
	puts     []time.Time
	data     []byte // the last value put
	override time.Duration
	overErr  error
}

func (f *fakeStore) Put(_ context.Context, data []byte, _ time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts, f.data = append(f.puts, time.Now()), data
	return nil
}

func (f *fakeStore) last() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.data
}
func (f *fakeStore) PutRecord(context.Context, snapshot.RefreshRecord) error { return nil }
func (f *fakeStore) PutProbeRound(context.Context, snapshot.ProbeRound, time.Duration) error {
	return nil
}
func (f *fakeStore) Get(context.Context) ([]byte, error) { return nil, snapshot.ErrMiss }
func (f *fakeStore) Record(context.Context) (snapshot.RefreshRecord, bool, error) {
	return snapshot.RefreshRecord{}, false, nil
}

// Interval stores the override as Redis would (whole seconds) and leaves the rule to
// snapshot.ResolveInterval, as the real Store does.
func (f *fakeStore) Interval(_ context.Context, configured, ttl time.Duration) snapshot.Interval {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := strconv.Itoa(int(f.override / time.Second))
	return snapshot.ResolveInterval(configured, ttl, snapshot.KeyInterval, v, f.override != 0, f.overErr)
}

func (f *fakeStore) gaps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var g []time.Duration
	for i := 1; i < len(f.puts); i++ {
		g = append(g, f.puts[i].Sub(f.puts[i-1]))
	}
	return g
}

// testLocal is a Local of dir for a nginx whose hint is maxAge.
func testLocal(dir string, maxAge time.Duration, now func() time.Time, sleep func(time.Duration), log *slog.Logger, m Metrics) *Local {
	return NewLocal(snapshot.NewPublisher(dir, maxAge, now, sleep), dir, snapshot.Legacy(), config.DefaultTTL, now, log, m)
}

func testRefresher(t *testing.T, store *fakeStore, read func(context.Context) ([]snapshot.Row, error)) *Refresher {
	log, m := slog.New(slog.NewTextHandler(io.Discard, nil)), &testMetrics{}
	return &Refresher{
		read: read, store: store, put: store.Put, ttl: config.DefaultTTL,
		dbTimeout: 5 * time.Second, redisTimeout: time.Second, now: time.Now, log: log, metrics: m,
		local: testLocal(t.TempDir(), config.DefaultInterval, time.Now, time.Sleep, log, m),
	}
}

func rowsOK(context.Context) ([]snapshot.Row, error) { return nil, nil }

// testMetrics stands in for the snapshotter's series (RefreshMetrics and Metrics): it
// counts the follower copies by what brought them, and drops the rest.
type testMetrics struct {
	mu     sync.Mutex
	synced map[string]int
}

func (m *testMetrics) Observe(string, error, time.Duration, *time.Time) {}
func (m *testMetrics) NextDue(time.Time)                                {}
func (m *testMetrics) Local(snapshot.Snapshot)                          {}
func (m *testMetrics) Refused(string)                                   {}

func (m *testMetrics) Synced(via string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.synced == nil {
		m.synced = map[string]int{}
	}
	m.synced[via]++
}

// copies is how many follower copies via brought.
func (m *testMetrics) copies(via string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.synced[via]
}

func TestLoopPaceAndOverride(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &fakeStore{}
		r := testRefresher(t, store, rowsOK)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { r.Loop(ctx, 10*time.Minute); close(done) }()

		time.Sleep(25 * time.Minute) // refreshes at 0, 10, 20
		store.mu.Lock()
		store.override = 7 * time.Minute
		store.mu.Unlock()
		// The override takes effect at once: the next refresh is due at the last one plus
		// the new interval: 27, 34, 41. Fake time in the synctest bubble: the sleep is the
		// timeline under test, and returns once every goroutine has settled.
		time.Sleep(20 * time.Minute)
		store.mu.Lock()
		store.override, store.overErr = 0, context.DeadlineExceeded
		store.mu.Unlock()
		time.Sleep(20 * time.Minute) // an unreadable override keeps the configured pace: 51, 61
		cancel()
		<-done

		want := []time.Duration{10, 10, 7, 7, 7, 10, 10}
		got := store.gaps()
		if len(got) != len(want) {
			t.Fatalf("gaps = %v, want %v minutes", got, want)
		}
		for i := range want {
			if got[i] != want[i]*time.Minute {
				t.Errorf("gap %d = %v, want %v", i, got[i], want[i]*time.Minute)
			}
		}
	})
}

func TestLoopOverrideOutsideTTLIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &fakeStore{override: config.DefaultTTL + time.Minute} // not below the TTL
		r := testRefresher(t, store, rowsOK)
		if got := r.nextInterval(context.Background(), config.DefaultInterval); got != config.DefaultInterval {
			t.Errorf("nextInterval = %v, want the configured %v", got, config.DefaultInterval)
		}
	})
}

func TestLoopGoesOnAfterHungDatabase(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &fakeStore{}
		var calls int
		hungOnce := func(ctx context.Context) ([]snapshot.Row, error) {
			calls++
			if calls == 1 {
				<-ctx.Done() // a server that never answers
				return nil, ctx.Err()
			}
			return nil, nil
		}
		r := testRefresher(t, store, hungOnce)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		start := time.Now()
		go func() { r.Loop(ctx, time.Minute); close(done) }()
		time.Sleep(5*time.Second + time.Minute + time.Millisecond)
		cancel()
		<-done
		if calls != 2 || len(store.puts) != 1 {
			t.Fatalf("calls=%d puts=%d, want the loop to go on after the hung read", calls, len(store.puts))
		}
		// The pace counts from each attempt's start (what server:status:last_refresh says,
		// so that a new leader keeps it): a hung read does not push the fleet's clock.
		if took := store.puts[0].Sub(start); took != time.Minute {
			t.Errorf("second refresh at %v, want one interval after the first attempt began", took)
		}
		if h := r.Health(); !h.Healthy || h.LastRefresh == nil || !h.LastRefresh.OK {
			t.Errorf("health after recovery = %+v", h)
		}
	})
}

func TestSignalDuringRefreshFinishesIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &fakeStore{}
		slow := func(ctx context.Context) ([]snapshot.Row, error) {
			select {
			case <-time.After(2 * time.Second):
				return nil, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		r := testRefresher(t, store, slow)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { r.Loop(ctx, time.Minute); close(done) }()
		time.Sleep(time.Second)
		cancel() // SIGTERM mid-refresh
		<-done
		if len(store.puts) != 1 {
			t.Errorf("puts = %d, want the refresh in progress completed", len(store.puts))
		}
	})
}

package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/maintenance"
	"statusedge/internal/probe"
)

// memStore is Redis's webhook key in memory; down makes every call fail, as an
// unreachable Redis does.
type memStore struct {
	mu   sync.Mutex
	st   State
	ok   bool
	down bool
	puts int
}

func (m *memStore) WebhookState(context.Context) (State, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return State{}, false, errors.New("redis: connection refused")
	}
	return m.st, m.ok, nil
}

func (m *memStore) PutWebhookState(_ context.Context, s State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errors.New("redis: connection refused")
	}
	m.st, m.ok = s, true
	m.puts++
	return nil
}

func (m *memStore) get() (State, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st, m.ok
}

func (m *memStore) setDown(down bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.down = down
}

// sent is one POST as the fake webhook saw it.
type sent struct {
	kind   Kind // from the body's "maintenance" ("": a flip)
	from   time.Time
	online bool
	at     time.Time // the body's "at"
	id     string
	when   time.Time // on the bubble's clock
	status int       // what the webhook answered
}

// fakeHook is a webhook without a network, so that it runs on synctest's fake clock.
type fakeHook struct {
	mu     sync.Mutex
	status func(i int) int // the answer to the i-th POST, from 1
	got    []sent
}

func (f *fakeHook) RoundTrip(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	when, err := time.Parse(time.RFC3339, m.At)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	code := http.StatusNoContent
	if f.status != nil {
		code = f.status(len(f.got) + 1)
	}
	s := sent{online: m.Online, at: when, id: r.Header.Get(IDHeader), when: time.Now(), status: code}
	if m.Maintenance != nil {
		if s.from, err = time.Parse(time.RFC3339, m.Maintenance.From); err != nil {
			return nil, err
		}
		s.kind = m.Maintenance.Event
	}
	f.got = append(f.got, s)
	return &http.Response{StatusCode: code, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

// delivered is what the webhook answered 2xx to.
func (f *fakeHook) delivered() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sent
	for _, s := range f.got {
		if s.status/100 == 2 {
			out = append(out, s)
		}
	}
	return out
}

func (f *fakeHook) posts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

// leader is one term of a Notifier inside a synctest bubble: stop ends its Run (the
// lease lost) and waits for it.
type leader struct {
	n    *Notifier
	logs *harnesstest.LogBuffer
	stop func()
}

func lead(t *testing.T, hook *fakeHook, store StateStore, gap time.Duration) *leader {
	t.Helper()
	logs := &harnesstest.LogBuffer{}
	n, err := New(slog.New(slog.NewJSONHandler(logs, nil)), "http://hook.test"+token,
		Options{Transport: hook, State: store, MinGap: gap, MinBackoff: time.Second, MaxBackoff: 8 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); n.Run(ctx) }()
	l := &leader{n: n, logs: logs, stop: func() { cancel(); <-done }}
	t.Cleanup(func() {
		l.stop()
		checkNoSecret(t, "log", logs.String(), "http://hook.test"+token)
	})
	return l
}

// prober stands in for the watcher: a verdict every second, with since when it holds,
// and the window of windows active at the round.
type prober struct {
	n       *Notifier
	seen    bool
	online  bool
	since   time.Time
	windows []maintenance.Window
}

// rounds observes up for secs rounds of one second each, then lets the notifier settle.
func (p *prober) rounds(secs int, up func(sec int) bool) {
	for s := range secs {
		online := up(s)
		if !p.seen || online != p.online {
			p.seen, p.online, p.since = true, online, time.Now()
		}
		e := Event{Online: online, At: p.since, Targets: []probe.Result{{Addr: "127.0.0.1:7777", OK: online}}}
		for _, w := range p.windows {
			if now := time.Now(); !now.Before(w.From) && now.Before(w.Until) {
				e.Maintenance = &w
			}
		}
		p.n.Observe(e)
		time.Sleep(time.Second) // the round's second, on synctest's fake clock
	}
	synctest.Wait()
}

func steady(online bool) func(int) bool { return func(int) bool { return online } }

// toldOnline is the key as a deployment that announced "online" long ago leaves it.
func toldOnline() *memStore {
	old := time.Now().Add(-time.Hour)
	return &memStore{st: State{Online: true, At: old, DeliveredAt: old, ID: "old"}, ok: true}
}

// TestMinGap: the gap rule, on synctest's clock, with exact message counts.
func TestMinGap(t *testing.T) {
	const gap = 60 * time.Second
	t.Run("the first offline after a quiet spell goes at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			hook := &fakeHook{}
			l := lead(t, hook, toldOnline(), gap)
			p := &prober{n: l.n}
			start := time.Now()
			p.rounds(1, steady(false))
			d := hook.delivered()
			if len(d) != 1 || d[0].online || d[0].when != start {
				t.Fatalf("delivered %+v, want one offline at once (+0s)", d)
			}
		})
	})
	t.Run("flapping every 7 s for 2 minutes", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			hook := &fakeHook{}
			l := lead(t, hook, toldOnline(), gap)
			p := &prober{n: l.n}
			start := time.Now()
			// Offline in [0,7), online in [7,14), ... for 120 s, then online for good.
			p.rounds(120, func(s int) bool { return (s/7)%2 == 1 })
			p.rounds(120, steady(true))
			d := hook.delivered()
			// 0 s: offline at once. 7 s: online, held for the gap; withdrawn at 14 s
			// (offline again, as delivered); ... 63 s: online, the gap is over: sent.
			// 70 s: offline, held until 123 s; at 123 s the server is online (since
			// 119 s), as delivered: nothing. Then online for good: nothing.
			want := []struct {
				online bool
				after  time.Duration
			}{{false, 0}, {true, 63 * time.Second}}
			if len(d) != len(want) || hook.posts() != len(want) {
				t.Fatalf("delivered %+v (%d POSTs), want %d messages", d, hook.posts(), len(want))
			}
			for i, w := range want {
				if d[i].online != w.online || d[i].when.Sub(start) != w.after || !d[i].at.Equal(start.Add(w.after)) {
					t.Errorf("message %d: online %v at +%v telling +%v, want online %v at +%v", i+1, d[i].online, d[i].when.Sub(start), d[i].at.Sub(start), w.online, w.after)
				}
			}
			if limit := 1 + int(240*time.Second/gap); len(d) > limit {
				t.Errorf("%d messages over 240 s, want at most 1 + T/gap = %d", len(d), limit)
			}
		})
	})
	t.Run("a flip within the gap is sent at the gap's end when it holds", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			hook := &fakeHook{}
			l := lead(t, hook, toldOnline(), gap)
			p := &prober{n: l.n}
			start := time.Now()
			p.rounds(10, steady(false))
			p.rounds(90, steady(true))
			d := hook.delivered()
			if len(d) != 2 || d[0].online || !d[1].online || d[1].when.Sub(start) != gap || !d[1].at.Equal(start.Add(10*time.Second)) {
				t.Fatalf("delivered %+v, want offline at +0s, then online at +60s telling +10s", d)
			}
		})
	})
	t.Run("gap 0: every flip", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			hook := &fakeHook{}
			l := lead(t, hook, toldOnline(), 0)
			p := &prober{n: l.n}
			p.rounds(70, func(s int) bool { return (s/7)%2 == 1 })
			if d := hook.delivered(); len(d) != 10 {
				t.Fatalf("%d messages, want 10 (one per flip): %+v", len(d), d)
			}
		})
	})
}

// TestStateRule: the notifier sends what differs from what was delivered, whoever leads.
func TestStateRule(t *testing.T) {
	t.Run("a fresh deployment records its first verdict and sends nothing", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			hook, store := &fakeHook{}, &memStore{}
			l := lead(t, hook, store, 0)
			p := &prober{n: l.n}
			p.rounds(5, steady(false))
			if st, ok := store.get(); hook.posts() != 0 || !ok || st.Online || !st.DeliveredAt.IsZero() {
				t.Fatalf("%d POSTs, key %+v (%v); want none, and offline recorded as not delivered", hook.posts(), st, ok)
			}
			p.rounds(5, steady(true))
			if d := hook.delivered(); len(d) != 1 || !d[0].online {
				t.Fatalf("delivered %+v, want one online", d)
			}
		})
	})
	t.Run("a message in retry is sent by the next leader, once, with its id and time", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			store := toldOnline()
			down := &fakeHook{status: func(int) int { return http.StatusServiceUnavailable }}
			old := lead(t, down, store, time.Minute)
			start := time.Now()
			(&prober{n: old.n}).rounds(5, steady(false))
			old.stop() // the lease is lost during a back-off
			if down.posts() < 2 || len(down.delivered()) != 0 {
				t.Fatalf("%d POSTs to the failing webhook, want an attempt and retries", down.posts())
			}
			st, ok := store.get()
			if !ok || st.Pending == nil || st.Pending.Online || st.Pending.ID == "" || !st.Pending.At.Equal(start) {
				t.Fatalf("key after the old leader = %+v, want the offline pending", st)
			}
			if !strings.Contains(old.logs.String(), "the next leader sends it") {
				t.Errorf("the old leader's log does not say the message is left pending:\n%s", old.logs)
			}
			time.Sleep(3 * time.Second) // the lease changes hands (fake clock: the gap under test)
			up := &fakeHook{}
			next := lead(t, up, store, time.Minute)
			(&prober{n: next.n}).rounds(30, steady(false)) // its own rounds start later
			d := up.delivered()
			if len(d) != 1 || d[0].online || d[0].id != st.Pending.ID || !d[0].at.Equal(start) {
				t.Fatalf("new leader delivered %+v, want one offline with id %s telling +0s", d, st.Pending.ID)
			}
			if st, ok := store.get(); !ok || st.Online || st.ID != d[0].id || st.Pending != nil || st.DeliveredAt.IsZero() {
				t.Errorf("key after delivery = %+v, want offline delivered", st)
			}
		})
	})
	t.Run("a delivered message is not sent again by the next leader", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			store := toldOnline()
			hook := &fakeHook{}
			old := lead(t, hook, store, 0)
			(&prober{n: old.n}).rounds(5, steady(false))
			old.stop()
			next := lead(t, hook, store, 0)
			(&prober{n: next.n}).rounds(30, steady(false))
			if d := hook.delivered(); len(d) != 1 || hook.posts() != 1 {
				t.Fatalf("delivered %+v in %d POSTs, want the old leader's one", d, hook.posts())
			}
		})
	})
	t.Run("Redis unreachable: delivered from memory, saved when Redis answers", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			store := toldOnline()
			hook := &fakeHook{}
			l := lead(t, hook, store, time.Minute)
			p := &prober{n: l.n}
			p.rounds(3, steady(true))
			store.setDown(true)
			p.rounds(3, steady(false))
			if d := hook.delivered(); len(d) != 1 || d[0].online {
				t.Fatalf("delivered %+v with Redis down, want the offline", d)
			}
			if st, ok := store.get(); !ok || !st.Online {
				t.Fatalf("key = %+v while Redis is down, want it untouched", st)
			}
			store.setDown(false)
			p.rounds(1, steady(false))
			if st, ok := store.get(); !ok || st.Online || st.ID != hook.delivered()[0].id {
				t.Fatalf("key = %+v after Redis is back, want the offline delivered", st)
			}
			if hook.posts() != 1 {
				t.Errorf("%d POSTs, want 1", hook.posts())
			}
		})
	})
	t.Run("given up: not sent again until the state changes", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			store := toldOnline()
			hook := &fakeHook{status: func(i int) int {
				if i == 1 {
					return http.StatusNotFound
				}
				return http.StatusNoContent
			}}
			l := lead(t, hook, store, 0)
			p := &prober{n: l.n}
			p.rounds(30, steady(false))
			if hook.posts() != 1 {
				t.Fatalf("%d POSTs after a 404, want 1", hook.posts())
			}
			p.rounds(3, steady(true))
			p.rounds(3, steady(false))
			if d := hook.delivered(); len(d) != 1 || d[0].online || hook.posts() != 2 {
				t.Fatalf("delivered %+v in %d POSTs, want the second offline", d, hook.posts())
			}
		})
	})
}

// TestLoadMinGap: STATUS_WEBHOOK_MIN_GAP is whole seconds, 0 for none, 60 when unset;
// anything else is one line naming the variable.
func TestLoadMinGap(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want time.Duration
		err  bool
	}{{"", time.Minute, false}, {"0", 0, false}, {" 10 ", 10 * time.Second, false}, {"-1", 0, true}, {"1m", 0, true}, {"1.5", 0, true}, {"99999999", 0, true}} {
		got, err := LoadMinGap(func(k string) string {
			if k == GapEnv {
				return tt.v
			}
			return ""
		})
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("%s=%q: %v, %v; want %v (error %v)", GapEnv, tt.v, got, err, tt.want, tt.err)
		}
		if err != nil && (!strings.HasPrefix(err.Error(), GapEnv+"=") || strings.Contains(err.Error(), "\n")) {
			t.Errorf("error %q: want one line naming %s", err, GapEnv)
		}
	}
}

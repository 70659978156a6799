package notify

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"statusedge/internal/maintenance"
)

// told is one message the readers get, in seconds from the test's start: when it is
// delivered and the time it tells.
type told struct {
	kind      Kind
	online    bool // a flip's
	when, at  int
	fromOfWin int // a maintenance message's window's From
}

func (w told) String() string {
	return fmt.Sprintf("%q online=%v at +%ds telling +%ds (window +%ds)", w.kind, w.online, w.when, w.at, w.fromOfWin)
}

// checkTold compares what the webhook acknowledged with want; a webhook that refuses
// none must have had no other POST.
func checkTold(t *testing.T, hook *fakeHook, start time.Time, want []told) {
	t.Helper()
	secs := func(x time.Time) int { return int(x.Sub(start) / time.Second) }
	var got []told
	for _, d := range hook.delivered() {
		g := told{kind: d.kind, when: secs(d.when), at: secs(d.at)}
		if d.kind == Flip {
			g.online = d.online
		} else {
			g.fromOfWin = secs(d.from)
		}
		got = append(got, g)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || (hook.status == nil && hook.posts() != len(want)) {
		t.Errorf("delivered (%d POSTs):\n%v\nwant:\n%v", hook.posts(), got, want)
	}
}

// window is [from, until) in seconds from start.
func window(start time.Time, from, until int) maintenance.Window {
	return maintenance.Window{From: start.Add(time.Duration(from) * time.Second), Until: start.Add(time.Duration(until) * time.Second),
		Message: maintenance.Text{EN: "Weekly restart", RU: "Еженедельный перезапуск"}}
}

// TestMaintenance: inside a window the readers get "maintenance started" and "ended"
// instead of the flips, on time whatever the gap, and the flips resume after it against
// what they were told before it. The gap is 60 s, the readers were told "online" an hour
// ago, and the probe runs every second.
func TestMaintenance(t *testing.T) {
	const gap = 60 * time.Second
	started, ended := MaintenanceStarted, MaintenanceEnded
	tests := []struct {
		name string
		run  func(p *prober, start time.Time)
		want []told
	}{
		{"down inside a window: started and ended, no offline",
			func(p *prober, start time.Time) {
				p.windows = []maintenance.Window{window(start, 10, 70)}
				p.rounds(130, func(s int) bool { return s < 20 || s >= 50 })
			},
			[]told{{kind: started, when: 10, at: 10, fromOfWin: 10}, {kind: ended, when: 70, at: 70, fromOfWin: 10}}},
		{"still down after the window: started, ended, then offline after the gap",
			func(p *prober, start time.Time) {
				p.windows = []maintenance.Window{window(start, 10, 70)}
				p.rounds(200, func(s int) bool { return s < 30 })
			},
			// The gap counts from "ended", like from any message: the game server has
			// a gap's grace to come back after the window.
			[]told{{kind: started, when: 10, at: 10, fromOfWin: 10}, {kind: ended, when: 70, at: 70, fromOfWin: 10}, {when: 130, at: 30}}},
		{"up, window, up: started and ended only",
			func(p *prober, start time.Time) {
				p.windows = []maintenance.Window{window(start, 10, 70)}
				p.rounds(130, steady(true))
			},
			[]told{{kind: started, when: 10, at: 10, fromOfWin: 10}, {kind: ended, when: 70, at: 70, fromOfWin: 10}}},
		{"told on time whatever the gap; the online held by it follows after the gap",
			func(p *prober, start time.Time) {
				p.windows = []maintenance.Window{window(start, 10, 40)}
				p.rounds(150, func(s int) bool { return s >= 5 })
			},
			// The online of +5 is held until +60 by the gap, replaced by the window at
			// +10; after the window the readers still know "offline": the online goes
			// a gap after "ended".
			[]told{{when: 0, at: 0}, {kind: started, when: 10, at: 10, fromOfWin: 10}, {kind: ended, when: 40, at: 40, fromOfWin: 10}, {online: true, when: 100, at: 5}}},
		{"a window cut short and the next one right after: one pair each",
			func(p *prober, start time.Time) {
				p.windows = []maintenance.Window{window(start, 10, 100)}
				p.rounds(30, steady(false))
				// The operator ends the first at +40 and plans another until +70.
				p.windows = []maintenance.Window{window(start, 10, 40), window(start, 40, 70)}
				p.rounds(20, steady(false))
				// And edits the second's end: the same window (its From), nothing told.
				p.windows = []maintenance.Window{window(start, 10, 40), window(start, 40, 80)}
				p.rounds(100, steady(true))
			},
			[]told{{when: 0, at: 0}, {kind: started, when: 10, at: 10, fromOfWin: 10}, {kind: ended, when: 40, at: 40, fromOfWin: 10},
				{kind: started, when: 40, at: 40, fromOfWin: 40}, {kind: ended, when: 80, at: 80, fromOfWin: 40}, {online: true, when: 140, at: 50}}},
		{"a window seen again after its end was told is not told again",
			func(p *prober, start time.Time) {
				w := window(start, 10, 40)
				p.windows = []maintenance.Window{w}
				p.rounds(50, steady(true))
				// A leader whose clock runs behind, or an operator who undoes the end.
				w.Until = start.Add(time.Hour)
				p.windows = []maintenance.Window{w}
				p.rounds(20, steady(false))
			},
			[]told{{kind: started, when: 10, at: 10, fromOfWin: 10}, {kind: ended, when: 40, at: 40, fromOfWin: 10}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				hook := &fakeHook{}
				start := time.Now()
				l := lead(t, hook, toldOnline(), gap)
				tt.run(&prober{n: l.n}, start)
				checkTold(t, hook, start, tt.want)
			})
		})
	}
}

// TestMaintenanceLeaderChange: the window a leader told of is not told again by the
// next (a new Notifier on the same state store), whatever the probe says meanwhile; a
// start in retry when the lease is lost is sent by the next leader, once, with its id.
func TestMaintenanceLeaderChange(t *testing.T) {
	t.Run("told by the old leader: the next tells only its end", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			store := toldOnline()
			start := time.Now()
			windows := []maintenance.Window{window(start, 10, 100)}
			first := &fakeHook{}
			old := lead(t, first, store, time.Minute)
			(&prober{n: old.n, windows: windows}).rounds(30, func(s int) bool { return s < 20 })
			old.stop()
			checkTold(t, first, start, []told{{kind: MaintenanceStarted, when: 10, at: 10, fromOfWin: 10}})
			if st, ok := store.get(); !ok || st.Window == nil || !st.Window.From.Equal(windows[0].From) || !st.Announced.Equal(windows[0].From) || st.Pending != nil {
				t.Fatalf("key after the old leader = %+v, want the window told", st)
			}
			second := &fakeHook{}
			next := lead(t, second, store, time.Minute)
			(&prober{n: next.n, windows: windows}).rounds(100, func(s int) bool { return s >= 50 }) // down until +80, inside
			checkTold(t, second, start, []told{{kind: MaintenanceEnded, when: 100, at: 100, fromOfWin: 10}})
			if st, ok := store.get(); !ok || st.Window != nil || !st.Online || st.Pending != nil {
				t.Errorf("key after the window = %+v, want no window and online as before it", st)
			}
		})
	})
	t.Run("in retry when the lease is lost: the next leader sends it once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			store := toldOnline()
			start := time.Now()
			windows := []maintenance.Window{window(start, 0, 100)}
			down := &fakeHook{status: func(int) int { return http.StatusServiceUnavailable }}
			old := lead(t, down, store, time.Minute)
			(&prober{n: old.n, windows: windows}).rounds(5, steady(false))
			old.stop()
			st, ok := store.get()
			if down.posts() < 2 || !ok || st.Pending == nil || st.Pending.Kind != MaintenanceStarted || st.Window != nil {
				t.Fatalf("%d POSTs, key %+v: want the start in retry, pending", down.posts(), st)
			}
			up := &fakeHook{}
			next := lead(t, up, store, time.Minute)
			(&prober{n: next.n, windows: windows}).rounds(60, steady(false))
			checkTold(t, up, start, []told{{kind: MaintenanceStarted, when: 5, at: 0, fromOfWin: 0}})
			if d := up.delivered(); len(d) == 1 && d[0].id != st.Pending.ID {
				t.Errorf("the next leader sent id %s, want the pending one %s", d[0].id, st.Pending.ID)
			}
		})
	})
}

// TestStateBeforeWindows: a State saved before windows existed loads as one that told
// no window, its pending message a flip; one with a window survives the round trip.
func TestStateBeforeWindows(t *testing.T) {
	const saved = `{"online":true,"at":"2026-11-26T11:00:00Z","delivered_at":"2026-11-26T11:00:01Z","id":"A","pending":{"online":false,"at":"2026-11-26T11:30:00Z","id":"B","gave_up":true}}`
	var st State
	if err := json.Unmarshal([]byte(saved), &st); err != nil {
		t.Fatalf("decode a State saved before windows: %v", err)
	}
	if !st.Online || st.ID != "A" || st.Window != nil || !st.Announced.IsZero() || st.Pending == nil || st.Pending.Kind != Flip || st.Pending.Online || !st.Pending.GaveUp {
		t.Fatalf("decoded %+v (pending %+v), want online told, no window, an offline pending", st, st.Pending)
	}
	w := window(at, 0, 3600)
	st.Window, st.Announced = &w, w.From
	st.Pending = &Pending{Kind: MaintenanceEnded, At: w.Until, ID: "C", Window: &w}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, back, st) {
		t.Errorf("round trip: %s\ngave %+v", b, back)
	}

	t.Run("a leader on the old State tells a window", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var old State
			if err := json.Unmarshal([]byte(saved), &old); err != nil {
				t.Fatal(err)
			}
			store := &memStore{st: old, ok: true}
			hook := &fakeHook{}
			start := time.Now()
			l := lead(t, hook, store, time.Minute)
			(&prober{n: l.n, windows: []maintenance.Window{window(start, 0, 30)}}).rounds(31, steady(true))
			checkTold(t, hook, start, []told{{kind: MaintenanceStarted, when: 0, at: 0, fromOfWin: 0}, {kind: MaintenanceEnded, when: 30, at: 30, fromOfWin: 0}})
			if !strings.Contains(l.logs.String(), "webhook message withdrawn: a maintenance window is told instead") {
				t.Errorf("the old pending offline is not withdrawn for the window:\n%s", l.logs)
			}
		})
	})
}

// TestMaintenanceEdges: a start that interrupts a flip in retry goes at once; an end the
// webhook refuses does not stand in the way of the next window; a fresh deployment
// inside a window tells it.
func TestMaintenanceEdges(t *testing.T) {
	t.Run("a flip in retry gives way to the start at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			hook := &fakeHook{status: func(i int) int {
				if i == 1 {
					return http.StatusServiceUnavailable // the offline's first attempt
				}
				return http.StatusNoContent
			}}
			start := time.Now()
			// MaxBackoff 8 s: the offline's retry is due at +1 s, the window starts at +0.5 s.
			l := lead(t, hook, toldOnline(), 0)
			l.n.Observe(Event{Online: false, At: start})
			time.Sleep(500 * time.Millisecond) // synctest's fake clock: to the window's start
			w := window(start, 0, 30)
			l.n.Observe(Event{Online: false, At: start, Maintenance: &w})
			synctest.Wait()
			if d := hook.delivered(); len(d) != 1 || d[0].kind != MaintenanceStarted || d[0].when != start.Add(500*time.Millisecond) || hook.posts() != 2 {
				t.Fatalf("delivered %+v in %d POSTs, want the start at +0.5s and no offline", d, hook.posts())
			}
		})
	})
	t.Run("an end refused does not hold back the next window", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			hook := &fakeHook{status: func(i int) int {
				if i == 2 {
					return http.StatusBadRequest // the first window's end
				}
				return http.StatusNoContent
			}}
			start := time.Now()
			l := lead(t, hook, toldOnline(), time.Minute)
			(&prober{n: l.n, windows: []maintenance.Window{window(start, 10, 30), window(start, 60, 90)}}).rounds(100, steady(true))
			checkTold(t, hook, start, []told{{kind: MaintenanceStarted, when: 10, at: 10, fromOfWin: 10}, {kind: MaintenanceStarted, when: 60, at: 60, fromOfWin: 60}, {kind: MaintenanceEnded, when: 90, at: 90, fromOfWin: 60}})
			if hook.posts() != 4 {
				t.Errorf("%d POSTs, want 4: the refused end is not sent again", hook.posts())
			}
		})
	})
	t.Run("a fresh deployment inside a window tells it", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			hook, store := &fakeHook{}, &memStore{}
			start := time.Now()
			l := lead(t, hook, store, time.Minute)
			(&prober{n: l.n, windows: []maintenance.Window{window(start, -10, 20)}}).rounds(30, steady(false))
			checkTold(t, hook, start, []told{{kind: MaintenanceStarted, when: 0, at: -10, fromOfWin: -10}, {kind: MaintenanceEnded, when: 20, at: 20, fromOfWin: -10}})
		})
	})
}

package probe

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestLoop runs a scripted game server through the loop on synctest's clock: rounds at
// start and then every interval, the verdict and flips as the Tracker decides, and no
// report for the round that shutdown interrupts.
func TestLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		script := []string{"+", "-", "+", "-", "-", "-", "+"}
		want := []struct {
			verdict Verdict
			flipped bool
		}{{Online, false}, {Online, false}, {Online, false}, {Online, false}, {Offline, true}, {Offline, false}, {Online, true}}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		start := time.Now()
		rounds := 0
		l := &Loop{
			Interval: 15 * time.Second,
			Tracker:  NewTracker(2),
			Now:      time.Now,
			Round: func(ctx context.Context) []Result {
				if rounds == len(script) {
					cancel() // shutdown arrives during the next round
					return round("-")
				}
				rounds++
				time.Sleep(2 * time.Second) // a round takes time; fake time in the bubble
				return round(script[rounds-1])
			},
		}
		var got []Report
		l.Run(ctx, func(r Report) { got = append(got, r) })
		if len(got) != len(script) {
			t.Fatalf("%d reports, want %d (one per completed round)", len(got), len(script))
		}
		for i, r := range got {
			if wantAt := start.Add(time.Duration(i) * 15 * time.Second); !r.At.Equal(wantAt) {
				t.Errorf("round %d at +%v, want +%v: the pace must not drift by the round's length", i+1, r.At.Sub(start), wantAt.Sub(start))
			}
			if r.Verdict != want[i].verdict || r.Flipped != want[i].flipped {
				t.Errorf("round %d (%s): verdict %v flipped %v, want %v %v", i+1, script[i], r.Verdict, r.Flipped, want[i].verdict, want[i].flipped)
			}
			if len(r.Results) != 1 {
				t.Errorf("round %d: %d results, want 1", i+1, len(r.Results))
			}
		}
	})
}

// TestLoopStopsWhenIdle: cancelling ctx between rounds ends Run without another round.
func TestLoopStopsWhenIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		rounds := 0
		l := &Loop{Interval: time.Minute, Tracker: NewTracker(2), Now: time.Now,
			Round: func(context.Context) []Result { rounds++; return round("+") }}
		done := make(chan struct{})
		go func() { l.Run(ctx, func(Report) {}); close(done) }()
		synctest.Wait() // the first round is done and Run waits for the ticker
		cancel()
		<-done
		if rounds != 1 {
			t.Errorf("%d rounds, want 1", rounds)
		}
	})
}

// TestNewLoop runs the loop that a Config describes against a real loopback game server
// and takes its first report, which comes at once.
func TestNewLoop(t *testing.T) {
	ok := listen(t, speak)
	down := closedPort(t)
	c := Config{Targets: []string{ok, down}, Kind: Banner, Interval: time.Hour, Timeout: 5 * time.Second, Failures: 1}
	ctx, cancel := context.WithCancel(t.Context())
	reports := make(chan Report)
	done := make(chan struct{})
	go func() {
		defer close(done)
		NewLoop(c, time.Now).Run(ctx, func(r Report) { reports <- r })
	}()
	r := <-reports
	cancel()
	<-done
	if r.Verdict != Offline || r.Flipped {
		t.Errorf("verdict %v flipped %v, want offline without a flip (first verdict)", r.Verdict, r.Flipped)
	}
	if len(r.Results) != 2 || !r.Results[0].OK || r.Results[1].OK || r.Results[1].Addr != down {
		t.Errorf("results = %+v, want %s ok and %s refused", r.Results, ok, down)
	}
}

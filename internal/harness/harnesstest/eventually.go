package harnesstest

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Poll is how often Eventually looks, and at what: Every(20*time.Millisecond, "status.json").
// The pace of looking at something observable, never a stand-in for synchronisation.
type Poll struct {
	every time.Duration
	what  string
}

// Every polls what every d.
func Every(d time.Duration, what string) Poll { return Poll{every: d, what: what} }

// errNotYet is what Eventually reports of a condition that never gave a reason.
var errNotYet = errors.New("no look has ended yet")

// Eventually calls look every p until it returns nil, and fails t when within passes
// first, naming what was polled and look's last error: look says what it saw ("GET
// /healthz: 503", "2 distinct snapshots, want 3"). look runs on the test's goroutine
// (it may call t.Fatal) with a context that ends at the same deadline, so no single look
// outlives the wait; an error from a look cut short by that deadline does not hide the
// reason the look before it gave.
func Eventually(t testing.TB, within time.Duration, p Poll, look func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	tick := time.NewTicker(p.every)
	defer tick.Stop()
	last := errNotYet
	for {
		err := look(ctx)
		if err == nil {
			return
		}
		if ctx.Err() == nil || last == errNotYet {
			last = err
		}
		select {
		case <-ctx.Done():
			t.Fatalf("not within %v, polling %s every %v: %v", within, p.what, p.every, last)
		case <-tick.C:
		}
	}
}

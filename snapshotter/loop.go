package main

import (
	"context"
	"time"
)

// Loop refreshes now and then every interval until ctx ends. A refresh in progress when
// ctx ends runs to completion (its own deadlines bound it) so that SIGTERM never leaves
// a half-done cycle behind.
func (r *refresher) Loop(ctx context.Context, interval time.Duration) {
	for {
		if err := r.Refresh(context.WithoutCancel(ctx)); err != nil {
			r.log.Error("refresh failed", "err", err)
		}
		next := r.nextInterval(context.WithoutCancel(ctx), interval)
		t := time.NewTimer(next)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

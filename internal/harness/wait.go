package harness

import (
	"context"
	"fmt"
	"time"
)

// pollEvery is how often waitFor looks again. It paces polling of something observable
// (a server's own report); it never stands in for the thing being waited on.
const pollEvery = 50 * time.Millisecond

// waitFor calls cond until it reports true, fails, or timeout passes. cond gets a context
// bounded by the same deadline, so no single look can outlive the wait. A condition that
// never held returns an error naming what was awaited and the last reason it gave.
func waitFor(timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last error
	for {
		ok, err := cond(ctx)
		if ok && err == nil {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("%s: not after %s: %w", what, timeout, last)
			}
			return fmt.Errorf("%s: not after %s", what, timeout)
		case <-time.After(pollEvery):
		}
	}
}

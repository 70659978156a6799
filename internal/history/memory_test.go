package history_test

import (
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"statusedge/internal/history"
)

// TestMemoryPerWorld measures what 90 days of one world's record take in Redis, as
// recorded (each day key grown minute by minute through the script, as in production):
// docs/spec.md quotes the figures this test logs.
func TestMemoryPerWorld(t *testing.T) {
	s, rdb := testStore(t)
	ctx := testContext(t)
	now := time.Now().UTC()
	first := history.Start(now)
	// Eight writers at once: 129,600 scripts one after another take too long.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for d := range history.Days {
		g.Go(func() error {
			day := first.AddDate(0, 0, d)
			for m := range 1440 {
				if _, err := s.Record(gctx, 1, day.Add(time.Duration(m)*time.Minute), history.State(1+(d+m)%3)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	var total int64
	for d := range history.Days {
		key := testKeys.Days + first.AddDate(0, 0, d).Format("20060102")
		n, err := rdb.MemoryUsage(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if d == 0 {
			t.Logf("MEMORY USAGE of a full day key: %d bytes (360 of them the minutes)", n)
		}
		total += n
	}
	fence, err := rdb.MemoryUsage(ctx, testKeys.Fence).Result()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("90 full days: %d bytes in day keys (%d a day), fence key %d bytes", total, total/history.Days, fence)
	// Two bits a minute plus a key's overhead: far under a kilobyte a day.
	if per := total / history.Days; per < 360 || per > 1024 {
		t.Errorf("%d bytes a day, want 360 to 1024", per)
	}
}

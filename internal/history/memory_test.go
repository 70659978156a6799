package history_test

import (
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"statusedge/internal/history"
)

// TestMemoryPerWorld measures what 90 days of one world's record take in Redis, as
// recorded through the script: docs/spec.md quotes the figures this test logs. The
// script makes a day key whole (360 bytes) at its first write, so every hour's minute
// and the day's last give the key its final size; writing all 129,600 minutes took 30 s
// on a loaded machine, for the same bytes.
func TestMemoryPerWorld(t *testing.T) {
	s, rdb := testStore(t)
	ctx := testContext(t)
	now := time.Now().UTC()
	first := history.Start(now)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for d := range history.Days {
		g.Go(func() error {
			day := first.AddDate(0, 0, d)
			for m := 0; m < 1440; m += 59 { // every hour or so, and the day's last minute
				if _, err := s.Record(gctx, 1, day.Add(time.Duration(min(m, 1439))*time.Minute), history.State(1+(d+m)%3)); err != nil {
					return err
				}
			}
			_, err := s.Record(gctx, 1, day.Add(1439*time.Minute), history.Down)
			return err
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

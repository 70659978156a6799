package samples_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"statusedge/internal/samples"
)

// fill writes 90 days of a world's figures and its last 3 UTC days of samples (the most
// ever kept: 48 h after the day's end), a players count every minute and an answer time
// every 15 s, through the store as the leader writes them.
func fill(ctx context.Context, t testing.TB, s *samples.Store, now time.Time) {
	t.Helper()
	start := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -89)
	for d := range 90 {
		day := start.AddDate(0, 0, d)
		if d < 87 {
			// Old days: their figures only (their samples are past 48 h), settled as the
			// leader settles them, from one sample each hour.
			for h := range 24 {
				if _, _, err := s.AddPlayers(ctx, 1, day.Add(time.Duration(h)*time.Hour), int64(100+h), time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		for sec := 0; sec < 86400; sec += 15 {
			at := day.Add(time.Duration(sec) * time.Second)
			if sec%60 == 0 {
				if _, _, err := s.AddPlayers(ctx, 1, at, int64(1000+sec%977), time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			if _, _, err := s.AddAnswer(ctx, 1, at, int64(20+sec%37)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for d := range 90 {
		if _, err := s.Settle(ctx, 1, start.AddDate(0, 0, d+1), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	// What Redis has expired by now: the day keys whose day ended Kept ago (their TTL
	// counts from the samples' simulated times, so they would live on here).
	for d := range 90 {
		day := start.AddDate(0, 0, d)
		if now.Sub(day.Add(24*time.Hour)) > samples.Kept {
			if err := s.Forget(ctx, day); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestMemoryOf90Days: a world's filled key set, as MEMORY USAGE counts it; the daily
// figures stay one small listpack.
func TestMemoryOf90Days(t *testing.T) {
	s, rdb, ctx := testStore(t)
	now := time.Now().UTC().Truncate(24 * time.Hour).Add(-time.Second) // the 3rd day whole
	fill(ctx, t, s, now)
	keys, err := rdb.Keys(ctx, "{world:x1}:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	total := int64(0)
	for _, k := range keys {
		n, err := rdb.MemoryUsage(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		total += n
		t.Logf("%s: %d bytes", k, n)
	}
	enc, err := rdb.ObjectEncoding(ctx, testKeys.Daily).Result()
	if err != nil || enc != "listpack" {
		t.Errorf("daily figures encoded %q (%v), want listpack", enc, err)
	}
	daily, err := s.Daily(ctx)
	// 90 days with today, whose figures the document makes from its samples.
	if err != nil || len(daily) != samples.DaysKept-1 {
		t.Fatalf("daily figures: %d days (%v), want %d", len(daily), err, samples.DaysKept-1)
	}
	t.Logf("total %d bytes for %d keys", total, len(keys))
}

// BenchmarkDocuments50: read and build the players documents of 50 worlds, each with
// its samples since ReadFrom and 90 days of figures, as documents.Trends does (one filled world read 50 times: the reads are
// the same bytes).
func BenchmarkDocuments50(b *testing.B) {
	s, _, ctx := testStore(b)
	now := time.Now().UTC()
	fill(ctx, b, s, now)
	b.ResetTimer()
	for b.Loop() {
		for range 50 {
			p, a, err := s.Since(ctx, samples.ReadFrom(now), now)
			if err != nil {
				b.Fatal(err)
			}
			daily, err := s.Daily(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(samples.Build("x1", now, time.Minute, p, a, daily)); err != nil {
				b.Fatal(err)
			}
		}
	}
}

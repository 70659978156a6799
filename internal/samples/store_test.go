package samples_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/samples"
)

var testKeys = samples.Keys{Players: "{world:x1}:players:", Answer: "{world:x1}:answer:", Daily: "{world:x1}:daily", Fence: "{world:x1}:fence"}

func testStore(t testing.TB) (*samples.Store, *redis.Client, context.Context) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: harnesstest.Redis(t).Addr(), DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return samples.NewStore(rdb, testKeys), rdb, ctx
}

// weekCount is the simulated count of day d at minute m: 10+d in the first half of the
// day, 30+d in the second, with one peak (minute 100: 100+d) and one low (minute 900: 1);
// day 3 has no sample from 06:00 to 09:00 (no leader).
func weekCount(d, m int) (int64, bool) {
	switch {
	case d == 3 && m >= 360 && m < 540:
		return 0, false
	case m == 100:
		return int64(100 + d), true
	case m == 900:
		return 1, true
	case m < 720:
		return int64(10 + d), true
	}
	return int64(30 + d), true
}

// TestWeekOfSamples: a simulated week of samples, one a minute (the clock is the
// samples' own times, injected), gives each day's exact peak, its time, the
// time-weighted mean (a gap weighs nothing) and the minimum; the days are settled in the
// daily hash as the days end, today is figured from its samples, and every day key lives
// 48 h past its day's end.
func TestWeekOfSamples(t *testing.T) {
	s, rdb, ctx := testStore(t)
	const every = time.Minute
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -6) // today is the 7th day
	var last time.Time
	for d := range 7 {
		for m := range 1440 {
			n, ok := weekCount(d, m)
			if !ok {
				continue
			}
			at := start.AddDate(0, 0, d).Add(time.Duration(m) * time.Minute)
			if m == 0 || (d == 3 && m == 540) {
				if ok, err := s.Settle(ctx, 1, at, every); err != nil || !ok {
					t.Fatalf("settle at %v: %v %v", at, ok, err)
				}
			}
			if ok, added, err := s.AddPlayers(ctx, 1, at, n, every); err != nil || !ok || !added {
				t.Fatalf("add %v: accepted %v added %v err %v", at, ok, added, err)
			}
			last = at
		}
	}
	daily, err := s.Daily(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(daily) != 6 {
		t.Fatalf("settled days: %d, want the 6 ended days", len(daily))
	}
	// The last 48 h: from just after 48 h before the last sample.
	p, a, err := s.Since(ctx, last.Add(-samples.Kept+time.Second), last.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 0 || len(p) != 2*1440 {
		t.Fatalf("samples of the last 48 h: %d players, %d answer; want 2880 and 0", len(p), len(a))
	}
	doc := samples.Build("x1", last.Add(30*time.Second), every, p, nil, daily)
	if len(doc.Series) != 1440 {
		t.Fatalf("series: %d samples, want the last 24 h's 1440", len(doc.Series))
	}
	days := doc.Days[len(doc.Days)-7:]
	for d, got := range days {
		var sum, n int64
		for m := range 1440 {
			if c, ok := weekCount(d, m); ok {
				sum, n = sum+c, n+1
			}
		}
		// Every sample present stands for its minute (the one before the gap too: at most
		// the interval), so the time-weighted mean is the plain mean of the present ones.
		mean := float64(sum) / float64(n)
		if d == 6 {
			// Today, 30 s after its last sample: that one weighs half a minute so far.
			last, _ := weekCount(d, 1439)
			mean = (float64(sum) - float64(last)/2) / (float64(n) - 0.5)
		}
		wantMean := math.Round(mean*100) / 100
		wantPeakAt := start.AddDate(0, 0, d).Add(100 * time.Minute)
		if got.Peak == nil || got.Mean == nil || got.Min == nil {
			t.Fatalf("day %d (%s): no figures", d, got.Date)
		}
		if *got.Peak != int64(100+d) || !got.PeakAt.Equal(wantPeakAt) || *got.Min != 1 || *got.Mean != wantMean || got.Samples != int(n) {
			t.Errorf("day %d (%s): peak %v at %v, min %v, mean %v, samples %d; want %d at %v, 1, %v, %d",
				d, got.Date, deref(got.Peak), got.PeakAt, deref(got.Min), *got.Mean, got.Samples, 100+d, wantPeakAt, wantMean, n)
		}
	}
	// Day 0 by hand: (719*10 + 100 + 719*30 + 1) / 1440 = 28861/1440 = 20.0423...
	if *days[0].Mean != 20.04 {
		t.Errorf("day 0 mean %v, want 20.04", *days[0].Mean)
	}
	// Day 3 lost 180 minutes (06:00 to 09:00) to the gap.
	if days[3].Samples != 1260 {
		t.Errorf("day 3 samples %d, want 1260", days[3].Samples)
	}
	// 48 h kept: each day key lives to its day's end plus 48 h, counted from its last
	// sample (23:59): 48 h 1 min.
	ttl, err := rdb.TTL(ctx, testKeys.Players+last.Format("20060102")).Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := samples.Kept + time.Minute; ttl > want || ttl < want-5*time.Second {
		t.Errorf("today's key TTL %v, want %v", ttl, want)
	}
	// A day older than 90 is dropped at the next settle.
	old := start.AddDate(0, 0, -100).Format("20060102")
	if err := rdb.HSet(ctx, testKeys.Daily, old, "5,0,5,5,1,,,0").Err(); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Settle(ctx, 1, last, every); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if n, err := rdb.HExists(ctx, testKeys.Daily, old).Result(); err != nil || n {
		t.Errorf("a day 100 days old is still in the daily hash (%v, %v)", n, err)
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestLeaderChangeMidSlot: a leader that takes over in the middle of a slot writes no
// second sample for it, and the deposed leader writes none after it.
func TestLeaderChangeMidSlot(t *testing.T) {
	s, rdb, ctx := testStore(t)
	const every = time.Minute
	t0 := time.Now().UTC().Truncate(time.Minute)
	if ok, added, err := s.AddPlayers(ctx, 1, t0.Add(2*time.Second), 5, every); err != nil || !ok || !added {
		t.Fatalf("first leader: %v %v %v", ok, added, err)
	}
	if ok, added, err := s.AddPlayers(ctx, 2, t0.Add(31*time.Second), 6, every); err != nil || !ok || added {
		t.Fatalf("new leader mid-slot: accepted %v added %v err %v; want accepted, not added", ok, added, err)
	}
	if ok, _, err := s.AddPlayers(ctx, 1, t0.Add(62*time.Second), 7, every); err != nil || ok {
		t.Fatalf("deposed leader: accepted %v err %v; want refused", ok, err)
	}
	if ok, added, err := s.AddPlayers(ctx, 2, t0.Add(61*time.Second), 8, every); err != nil || !ok || !added {
		t.Fatalf("new leader, next slot: %v %v %v", ok, added, err)
	}
	p, _, err := s.Day(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 2 || p[0].V != 5 || p[1].V != 8 {
		t.Fatalf("samples %v, want 5 then 8", p)
	}
	if n, err := rdb.StrLen(ctx, testKeys.Players+t0.Format("20060102")).Result(); err != nil || n != 12 {
		t.Fatalf("day key %d bytes (%v), want 2 records of 6", n, err)
	}
}

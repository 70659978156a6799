package samples_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/samples"
)

// TestDamagedKeys (issue 27's damaged-key rule on issue 30's keys): a players day key that
// is not whole records, an answer day key of another type and a daily key of another type
// are read as none, each said once with the DEL that repairs it on the deployment's own
// server (before: the players document stopped for good on the first, the second read as
// a day without samples without a word, and every sample's settle failed on the third).
// The leader's next writes start each anew, and say so.
func TestDamagedKeys(t *testing.T) {
	s, rdb, ctx := testStore(t)
	var logged harnesstest.LogBuffer
	s.Log = slog.New(slog.NewTextHandler(&logged, nil))
	now := time.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	players, answer := testKeys.Players+today.Format("20060102"), testKeys.Answer+today.Format("20060102")
	if err := rdb.Set(ctx, players, "12345", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, answer, "x", "1").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, testKeys.Daily, "not a hash", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for range 3 { // three document passes
		p, a, err := s.Since(ctx, samples.ReadFrom(now), now)
		if err != nil {
			t.Fatalf("a damaged key stopped the read: %v", err)
		}
		if len(p) != 0 || len(a) != 0 {
			t.Fatalf("read %v and %v from garbage, want none", p, a)
		}
		daily, err := s.Daily(ctx)
		if err != nil || len(daily) != 0 {
			t.Fatalf("daily %v, %v; want none, no error", daily, err)
		}
	}
	for _, key := range []string{players, answer, testKeys.Daily} {
		if n := strings.Count(logged.String(), "key="+key+" "); n != 1 {
			t.Errorf("%s said %d times in three passes, want once:\n%s", key, n, logged.String())
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(logged.String()), "\n") {
		if !strings.Contains(line, "repair=") || !strings.Contains(line, " DEL '") {
			t.Errorf("no repair in %q", line)
		}
	}
	logged = harnesstest.LogBuffer{}

	// The leader's writes start the damaged keys anew.
	at := now.Truncate(time.Second)
	if ok, added, err := s.AddPlayers(ctx, 1, at, 7, time.Minute); err != nil || !ok || !added {
		t.Fatalf("players over a damaged key: accepted %v added %v err %v", ok, added, err)
	}
	if ok, added, err := s.AddAnswer(ctx, 1, at, 12); err != nil || !ok || !added {
		t.Fatalf("answer over a damaged key: accepted %v added %v err %v", ok, added, err)
	}
	p, a, err := s.Day(ctx, now)
	if err != nil || len(p) != 1 || p[0].V != 7 || len(a) != 1 || a[0].V != 12 {
		t.Fatalf("after the rebuild: players %v answer %v err %v; want 7 and 12", p, a, err)
	}
	if ttl, err := rdb.TTL(ctx, players).Result(); err != nil || ttl <= 0 || ttl > samples.Kept+24*time.Hour {
		t.Fatalf("rebuilt day key's TTL %v (%v), want its day's end plus Kept", ttl, err)
	}
	// A settle writes yesterday's figures into a daily key started anew.
	yesterday := today.Add(-12 * time.Hour)
	if ok, _, err := s.AddPlayers(ctx, 1, yesterday, 3, time.Minute); err != nil || !ok {
		t.Fatalf("yesterday's sample: %v %v", ok, err)
	}
	if ok, err := s.Settle(ctx, 1, now, time.Minute); err != nil || !ok {
		t.Fatalf("settle over a damaged daily key: accepted %v err %v", ok, err)
	}
	daily, err := s.Daily(ctx)
	if d, ok := daily[yesterday.Format(time.DateOnly)]; err != nil || !ok || d.Peak == nil || *d.Peak != 3 {
		t.Fatalf("daily after the rebuild: %+v %v; want yesterday's peak 3", daily, err)
	}
	if n := strings.Count(logged.String(), "damaged key rebuilt"); n != 3 {
		t.Errorf("%d rebuilds said, want 3 (players, answer, daily):\n%s", n, logged.String())
	}

	// A field that is not a day's figures is left out, said once with its HDEL.
	logged = harnesstest.LogBuffer{}
	if err := rdb.HSet(ctx, testKeys.Daily, "20260101", "garbage", "yesterday", "1").Err(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		daily, err := s.Daily(ctx)
		if err != nil || len(daily) != 1 {
			t.Fatalf("daily %v, %v; want yesterday's only", daily, err)
		}
	}
	if n := strings.Count(logged.String(), "not a day's figures"); n != 1 || !strings.Contains(logged.String(), "HDEL '"+testKeys.Daily+"' '20260101' 'yesterday'") {
		t.Fatalf("bad fields said %d times, want once with their HDEL:\n%s", n, logged.String())
	}
	// The repair, run as pasted (on this Redis: RunRepair refuses a command naming no
	// server), removes the bad fields and keeps the day's figures.
	harnesstest.RunRepair(t, logged.String())
	if fields, err := rdb.HKeys(ctx, testKeys.Daily).Result(); err != nil || len(fields) != 1 || fields[0] != yesterday.Format("20060102") {
		t.Errorf("daily fields after the repair: %v %v; want yesterday's only", fields, err)
	}
}

package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testMaxAge is the max-age hint the tests' nginx would be rendered with.
const testMaxAge = 10 * time.Second

func testSnapshot(t *testing.T, at time.Time, ttl time.Duration, rate float64) ([]byte, Snapshot) {
	t.Helper()
	v := "2.5"
	if rate != 0 {
		v = time.Duration(rate).String()
	}
	s, _ := Build([]Row{{Name: "RateExp", Value: &v}}, at, ttl)
	return s.Encode(), s
}

// served asserts what the publisher's own lookup (nginx's order) finds at each second.
func servedAt(t *testing.T, p *Publisher, at time.Time) []byte {
	t.Helper()
	data, ok, err := p.Served(at)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return nil
	}
	return data
}

func TestPublishServesExactlyTheFreshWindow(t *testing.T) {
	dir := t.TempDir()
	start := time.Unix(1764400987, 0)
	now := start
	p := NewPublisher(dir, testMaxAge, func() time.Time { return now })
	ttl := 900 * time.Second
	data, s := testSnapshot(t, start, ttl, 0)
	if err := p.Publish(data, s); err != nil {
		t.Fatal(err)
	}
	for sec := start.Unix() - 2; sec < start.Unix()+int64(ttl/time.Second)+3; sec++ {
		got := servedAt(t, p, time.Unix(sec, 0))
		fresh := sec >= start.Unix() && sec < s.FreshUntil.Unix()
		if fresh != (got != nil) || (fresh && !bytes.Equal(got, data)) {
			t.Fatalf("second %+d: served %q, fresh %v", sec-start.Unix(), got, fresh)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, LastName))
	if err != nil || !fi.ModTime().Equal(s.UpdatedAt) {
		t.Errorf("last.json mtime = %v (%v), want updated_at %v", fi.ModTime(), err, s.UpdatedAt)
	}
	if canon, err := os.ReadFile(filepath.Join(dir, FileName)); err != nil || !bytes.Equal(canon, data) {
		t.Errorf("status.json = %q, %v", canon, err)
	}

	// A new snapshot 7 minutes later: from its first second on, every lookup finds it,
	// none an old coarser name; the names stay few however many publishes.
	for i := 1; i <= 20; i++ {
		now = start.Add(time.Duration(i) * 421 * time.Second)
		data, s = testSnapshot(t, now, ttl, float64(i))
		if err := p.Publish(data, s); err != nil {
			t.Fatal(err)
		}
		for sec := now.Unix(); sec < s.FreshUntil.Unix(); sec++ {
			if got := servedAt(t, p, time.Unix(sec, 0)); !bytes.Equal(got, data) {
				t.Fatalf("publish %d, second %+d: served %q, want the new snapshot", i, sec-now.Unix(), got)
			}
		}
	}
	if n := countNames(t, dir); n > 120 {
		t.Errorf("%d names after 21 publishes, want a bounded few", n)
	}
}

// TestPublishMovesMtimeWhenBytesChange: a republish of the same read with other bytes (a
// probe round) takes the current second, so that max-age is the full hint again; a second
// one within that second takes the next; none reaches past now or past fresh_until - the
// hint; and when no second is left the new bytes are refused and nothing changes.
func TestPublishMovesMtimeWhenBytesChange(t *testing.T) {
	dir := t.TempDir()
	at := time.Unix(1764400000, 0)
	now := at
	p := NewPublisher(dir, testMaxAge, func() time.Time { return now })
	data, s := testSnapshot(t, at, time.Minute, 0)
	mtime := func() time.Time {
		fi, err := os.Stat(filepath.Join(dir, LastName))
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime()
	}
	variant := func(i int) []byte { // same read, other bytes of the same size
		return append(bytes.Clone(data[:len(data)-1]), " \t\n\r"[i%4], '}')
	}
	if err := p.Publish(data, s); err != nil {
		t.Fatal(err)
	}
	first := mtime()
	now = at.Add(5 * time.Second)
	if err := p.Publish(data, s); err != nil {
		t.Fatal(err)
	}
	if !mtime().Equal(first) {
		t.Errorf("same bytes republished: mtime moved from %v to %v (the ETag would change for nothing)", first, mtime())
	}

	// Rounds 7 s apart: each takes its own second, however many came before.
	for i, sec := range []int{5, 12, 19} {
		now = at.Add(time.Duration(sec)*time.Second + 300*time.Millisecond)
		if err := p.Publish(variant(i), s); err != nil {
			t.Fatal(err)
		}
		if want := now.Truncate(time.Second); !mtime().Equal(want) {
			t.Errorf("round at +%ds: mtime %v, want the current second %v", sec, mtime(), want)
		}
	}
	// A second round within the same second waits for the next one (the fake clock does
	// not move, so the wait is a real sleep of 0.7 s).
	if err := p.Publish(variant(3), s); err != nil {
		t.Fatal(err)
	}
	if want := at.Add(20 * time.Second); !mtime().Equal(want) {
		t.Errorf("second round within +19s: mtime %v, want %v", mtime(), want)
	}

	// Near fresh_until the mtime stops at fresh_until - the hint; past that second no new
	// bytes go out, and what nginx serves stays as it was.
	latest := s.FreshUntil.Add(-testMaxAge)
	now = latest.Add(3 * time.Second)
	if err := p.Publish(variant(4), s); err != nil {
		t.Fatal(err)
	}
	if !mtime().Equal(latest) {
		t.Errorf("round within the hint of fresh_until: mtime %v, want %v", mtime(), latest)
	}
	served, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(variant(5), s); !errors.Is(err, ErrNoSecondLeft) {
		t.Errorf("round with no second left: %v, want ErrNoSecondLeft", err)
	}
	if after, err := os.ReadFile(filepath.Join(dir, FileName)); err != nil || !bytes.Equal(after, served) || !mtime().Equal(latest) {
		t.Errorf("a refused round changed status.json or the mtime (%v)", err)
	}

	// A last.json touched an hour ahead (or a clock stepped back) never puts the mtime,
	// and so Last-Modified and max-age, past now.
	now = at.Add(30 * time.Second)
	ahead := now.Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, LastName), ahead, ahead); err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(data, s); err != nil {
		t.Fatal(err)
	}
	if mtime().After(now) {
		t.Errorf("after a last.json from the future: mtime %v is past now %v", mtime(), now)
	}
}

// TestPublishNeverRepeatsAnMtime: new bytes always get an mtime later than any before,
// so no client holding an older version's validators gets a 304 for them: a new read in
// the second a probe round took, a clock behind the last mtime (stepped back, or a
// follower's clock behind the leader's), and max-age still ends by fresh_until.
func TestPublishNeverRepeatsAnMtime(t *testing.T) {
	dir := t.TempDir()
	at := time.Unix(1764400000, 0)
	now := at
	p := NewPublisher(dir, testMaxAge, func() time.Time { return now })
	mtime := func() time.Time {
		fi, err := os.Stat(filepath.Join(dir, LastName))
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime()
	}
	publish := func(data []byte, s Snapshot) time.Time {
		t.Helper()
		if err := p.Publish(data, s); err != nil {
			t.Fatal(err)
		}
		return mtime()
	}
	data, s := testSnapshot(t, at, time.Minute, 0)
	publish(data, s)
	// A round at +20.9, then the next read built at +20.9 too (updated_at +20).
	now = at.Add(20*time.Second + 900*time.Millisecond)
	round := publish(append(bytes.Clone(data[:len(data)-1]), ' ', '}'), s)
	next, ns := testSnapshot(t, at.Add(20*time.Second), time.Minute, 0)
	if got := publish(next, ns); !got.After(round) {
		t.Errorf("new read in a round's second: mtime %v, the round's %v", got, round)
	}

	// The clock three seconds behind the last mtime: each round still moves it on, and
	// without waiting for the clock.
	hw := mtime()
	now = hw.Add(-3 * time.Second)
	for i := range 3 {
		start := time.Now()
		got := publish(append(bytes.Clone(next[:len(next)-1]), " \t\n"[i], '}'), ns)
		if want := hw.Add(time.Duration(i+1) * time.Second); !got.Equal(want) {
			t.Errorf("round %d with the clock behind: mtime %v, want %v", i, got, want)
		}
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Errorf("round %d with the clock behind waited %v", i, took)
		}
	}
	if limit := ns.FreshUntil.Add(-testMaxAge); mtime().After(limit) {
		t.Errorf("mtime %v past fresh_until - hint %v", mtime(), limit)
	}
}

func TestLastJSONSaysStale(t *testing.T) {
	dir := t.TempDir()
	at := time.Unix(1764400000, 0)
	data, s := testSnapshot(t, at, time.Minute, 0)
	if err := NewPublisher(dir, testMaxAge, func() time.Time { return at }).Publish(data, s); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, LastName))
	if err != nil {
		t.Fatal(err)
	}
	var last struct {
		Snapshot
		Cache struct {
			Source string `json:"source"`
			Stale  bool   `json:"stale"`
		} `json:"_cache"`
	}
	if err := json.Unmarshal(b, &last); err != nil || !last.Cache.Stale || last.Cache.Source != "file" || !last.UpdatedAt.Equal(s.UpdatedAt) {
		t.Errorf("last.json = %s (%v)", b, err)
	}
}

func TestRecoverAfterAFailedPublish(t *testing.T) {
	dir := t.TempDir()
	now := time.Unix(1764400987, 0)
	p := NewPublisher(dir, testMaxAge, func() time.Time { return now })
	oldData, old := testSnapshot(t, now, 900*time.Second, 0)
	if err := p.Publish(oldData, old); err != nil {
		t.Fatal(err)
	}
	// A failure midway: a non-empty folder squats on the new window's last name, so every
	// link before it lands and the rest do not, as a crash between two links leaves them.
	now = now.Add(300 * time.Second)
	newData, fresh := testSnapshot(t, now, 900*time.Second, 7)
	blocks := cover(now.Unix(), fresh.FreshUntil.Unix(), fresh.UpdatedAt.Add(FineSpan).Unix())
	squat := filepath.Join(dir, blocks[len(blocks)-1].name())
	if err := os.MkdirAll(filepath.Join(squat, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(newData, fresh); err == nil {
		t.Fatal("publish over a squatted name succeeded")
	}
	sawNew := false
	for sec := now.Unix(); sec < old.FreshUntil.Unix(); sec++ {
		got := servedAt(t, p, time.Unix(sec, 0))
		sawNew = sawNew || bytes.Equal(got, newData)
		if got != nil && !bytes.Equal(got, oldData) && !bytes.Equal(got, newData) {
			t.Fatalf("second %d: served %q, neither snapshot", sec, got)
		}
	}
	if !sawNew {
		t.Fatal("the failed publish linked nothing: the test did not fail midway")
	}
	if err := os.RemoveAll(squat); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".tmp-123"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := NewPublisher(dir, testMaxAge, func() time.Time { return now }).Recover(); err != nil {
		t.Fatal(err)
	}
	for sec := now.Unix(); sec < fresh.FreshUntil.Unix(); sec++ {
		if got := servedAt(t, p, time.Unix(sec, 0)); !bytes.Equal(got, newData) {
			t.Fatalf("after recovery, second %+d: served %q, want status.json's snapshot", sec-now.Unix(), got)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".[tl]*")); len(left) != 0 {
		t.Errorf("temp files left after recovery: %v", left)
	}
}

func TestRecoverEmptiesTheTreeWithoutAReadableSnapshot(t *testing.T) {
	dir := t.TempDir()
	now := time.Unix(1764400987, 0)
	p := NewPublisher(dir, testMaxAge, func() time.Time { return now })
	data, s := testSnapshot(t, now, 900*time.Second, 0)
	if err := p.Publish(data, s); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Recover(); err == nil {
		t.Error("recovering from an empty status.json reported no problem")
	}
	if n := countNames(t, dir); n != 0 {
		t.Errorf("%d names served after recovering from an empty status.json, want none", n)
	}
}

// countNames counts the block names in the served folder (last.json aside).
func countNames(t *testing.T, dir string) int {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "?-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return len(names)
}

func TestReadFileRefusesWhatTheSnapshotterDidNotWrite(t *testing.T) {
	for name, plant := range map[string]func(path string) error{
		"symlink":   func(p string) error { return os.Symlink("/etc/passwd", p) },
		"directory": func(p string) error { return os.Mkdir(p, 0o755) },
		"oversized": func(p string) error { return os.WriteFile(p, make([]byte, MaxFileSize+1), 0o644) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := plant(filepath.Join(dir, FileName)); err != nil {
				t.Fatal(err)
			}
			b, _, err := ReadFile(dir)
			if err == nil || len(b) != 0 {
				t.Fatalf("read %d bytes, err %v", len(b), err)
			}
			if bytes.Count([]byte(err.Error()), []byte(dir)) != 1 {
				t.Errorf("error %q should name the path once", err)
			}
		})
	}
}

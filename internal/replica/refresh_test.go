package replica

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// TestRepublishStopsWithinTheHintOfFreshUntil: a probe round is written with its own
// second as Last-Modified while that leaves max-age inside fresh_until; a round after
// that is left out without an error, and STATUS_DIR keeps what it served.
func TestRepublishStopsWithinTheHintOfFreshUntil(t *testing.T) {
	const hint = 15 * time.Second
	start := time.Unix(1764400000, 0)
	now := start
	clock := func() time.Time { return now }
	r := testRefresher(t, &fakeStore{}, rowsOK)
	dir := t.TempDir()
	r.now, r.local = clock, testLocal(dir, hint, clock, func(d time.Duration) { now = now.Add(d) }, r.log, &testMetrics{})
	if err := r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	round := func(at time.Duration, ok bool) (status []byte, mtime time.Time) {
		t.Helper()
		now = start.Add(at)
		r.observeProbe(snapshot.ProbeRound{At: now, Online: new(true), Targets: []snapshot.ProbeResult{{Addr: "game:1", OK: ok}}})
		if err := r.Republish(context.Background()); err != nil {
			t.Fatalf("round at +%v: %v", at, err)
		}
		data, err := os.ReadFile(filepath.Join(dir, snapshot.FileName))
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(filepath.Join(nginx.DocDir(dir, nginx.StatusDoc), nginx.LastName))
		if err != nil {
			t.Fatal(err)
		}
		return data, fi.ModTime()
	}
	if _, m := round(100*time.Second, true); !m.Equal(start.Add(100 * time.Second)) {
		t.Errorf("round at +100s: Last-Modified %v, want the round's second", m)
	}
	latest := start.Add(r.ttl - hint)
	served, m := round(r.ttl-hint+time.Second, false)
	if !m.Equal(latest) {
		t.Errorf("round a second inside the hint: Last-Modified %v, want fresh_until - hint %v", m, latest)
	}
	if data, m := round(r.ttl-hint+2*time.Second, true); !bytes.Equal(data, served) || !m.Equal(latest) {
		t.Errorf("round with no second left was written: Last-Modified %v\n%s", m, data)
	}
}

package snapshot

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// shields is the shields.io endpoint schema: all four fields required.
type shields struct {
	SchemaVersion int    `json:"schemaVersion"`
	Label         string `json:"label"`
	Message       string `json:"message"`
	Color         string `json:"color"`
}

func decodeBadge(t *testing.T, b []byte) shields {
	t.Helper()
	var s shields
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("badge %q: %v", b, err)
	}
	if s.SchemaVersion != 1 || s.Label == "" || s.Color == "" {
		t.Fatalf("badge %q is not a shields endpoint badge", b)
	}
	return s
}

// TestBadgeFollowsTheSnapshot: the served badge says online or offline exactly while the
// snapshot is fresh, follows a flip republished without extending freshness, and says
// stale after; badge names are pruned with the snapshot's.
func TestBadgeFollowsTheSnapshot(t *testing.T) {
	dir := t.TempDir()
	start := time.Unix(1764400987, 0)
	now := start
	p := NewPublisher(dir, testMaxAge, func() time.Time { return now })
	_, s := testSnapshot(t, start, 90*time.Second, 0)
	if err := p.Publish(s.Encode(), s); err != nil {
		t.Fatal(err)
	}
	badgeAt := func(at time.Time) string {
		b, err := p.ServedBadge(at)
		if err != nil {
			t.Fatal(err)
		}
		return decodeBadge(t, b).Message
	}
	if got := badgeAt(start); got != "online" {
		t.Errorf("fresh: %q, want online", got)
	}
	if b, err := os.ReadFile(filepath.Join(dir, BadgeFileName)); err != nil || decodeBadge(t, b).Message != "online" {
		t.Errorf("badge.json = %q, %v", b, err)
	}

	now = start.Add(10 * time.Second)
	off := s.WithProbe(ProbeRound{At: now, Online: new(false), Targets: []ProbeResult{{Addr: "127.0.0.1:7777", Error: "connection refused"}}})
	if err := p.Publish(off.Encode(), off); err != nil {
		t.Fatal(err)
	}
	if got := badgeAt(now); got != "offline" {
		t.Errorf("after the flip: %q, want offline", got)
	}
	if got := badgeAt(s.FreshUntil.Add(-time.Second)); got != "offline" {
		t.Errorf("last fresh second: %q, want offline", got)
	}
	if got := badgeAt(s.FreshUntil); got != "stale" {
		t.Errorf("past fresh_until: %q, want stale (a flip never extends freshness)", got)
	}

	now = start.Add(500 * time.Second)
	_, next := testSnapshot(t, now, 90*time.Second, 3)
	if err := p.Publish(next.Encode(), next); err != nil {
		t.Fatal(err)
	}
	badges, err := filepath.Glob(filepath.Join(dir, BadgePrefix+"?-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n := countNames(t, dir); len(badges) != n || n == 0 {
		t.Errorf("%d badge names beside %d snapshot names: want one per block", len(badges), n)
	}
}

func TestStaleBadge(t *testing.T) {
	if got := decodeBadge(t, StaleBadge()); got.Message != "stale" {
		t.Errorf("stale badge says %q", got.Message)
	}
}

// An old snapshot without the new fields reads as one without a probe.
func TestParseBeforeProbeFields(t *testing.T) {
	s, err := Parse([]byte(`{"server_status":0,"rates":{"exp":1,"pvp":1,"pve":1,"color_mob":1,"skill":1},"client_status":256,` +
		`"updated_at":"2026-11-26T12:00:00Z","fresh_until":"2026-11-26T12:15:00Z","_meta":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Online || s.Players != nil || !s.CheckedAt.Equal(s.UpdatedAt) || s.Probe == nil {
		t.Errorf("%+v", s)
	}
}

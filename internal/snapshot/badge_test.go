package snapshot

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"statusedge/internal/maintenance"
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

func TestStaleBadge(t *testing.T) {
	if got := decodeBadge(t, StaleBadge()); got.Message != "stale" {
		t.Errorf("stale badge says %q", got.Message)
	}
}

func testSnapshot(t *testing.T, at time.Time, ttl time.Duration, rate float64) ([]byte, Snapshot) {
	t.Helper()
	v := "2.5"
	if rate != 0 {
		v = strconv.FormatFloat(rate, 'f', -1, 64)
	}
	s, _ := Build([]Row{{Name: "RateExp", Value: &v}}, at, ttl) // no error: the fallbacks of the constants left out
	return s.Encode(), s
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

// TestBadgeInMaintenance: during a window the badge says maintenance, as the status
// does, whatever the probe sees; outside one, online or offline.
func TestBadgeInMaintenance(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	w := &maintenance.Window{From: now.Add(-time.Minute), Until: now.Add(time.Hour)}
	for _, tt := range []struct {
		name   string
		online bool
		active *maintenance.Window
		want   string
	}{
		{"window, probe down", false, w, "maintenance"},
		{"window, probe up", true, w, "maintenance"},
		{"no window, up", true, nil, "online"},
		{"no window, down", false, nil, "offline"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := Snapshot{Online: tt.online}.WithPlan(tt.active, nil)
			if got := decodeBadge(t, s.Badge()); got.Message != tt.want || got.Message != s.Status {
				t.Errorf("badge %q (status %q), want %q", got.Message, s.Status, tt.want)
			}
		})
	}
}

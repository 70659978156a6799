package snapshot

import (
	"encoding/json"
	"fmt"
	"strconv"
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

// TestBadgeSaysTheStatusWord: the badge says the status's word (maintenance during a
// window, as the Statuspage documents do), whatever the probe's verdict beside it; which
// word a status has is worldstate's (TestPublishedWord).
func TestBadgeSaysTheStatusWord(t *testing.T) {
	for _, tt := range []struct {
		status string
		online bool
		color  string
	}{
		{StatusMaintenance, false, "blue"},
		{StatusMaintenance, true, "blue"},
		{StatusOnline, true, "brightgreen"},
		{StatusOffline, false, "red"},
	} {
		t.Run(fmt.Sprintf("%s/online %v", tt.status, tt.online), func(t *testing.T) {
			s := Snapshot{Online: tt.online, Status: tt.status}
			if got := decodeBadge(t, s.Badge()); got.Message != tt.status || got.Color != tt.color {
				t.Errorf("badge %+v, want %s in %s", got, tt.status, tt.color)
			}
		})
	}
}

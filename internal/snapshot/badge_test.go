package snapshot

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"statusedge/internal/probe"
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
	s, _ := Build([]Row{{Name: "RateExp", Value: &v}}, at, ttl)
	return s.Encode(), s
}

func TestWithProbe(t *testing.T) {
	_, s := testSnapshot(t, time.Unix(1764400987, 0), 90*time.Second, 0)
	at := s.UpdatedAt.Add(7 * time.Second)
	r := []probe.Result{{Addr: "h:1", OK: true, LatencyMS: 3}}
	for _, tt := range []struct {
		v      probe.Verdict
		status float64
		want   bool
	}{{probe.Online, 0, true}, {probe.Offline, 1, false}, {probe.Unknown, 1, true}, {probe.Unknown, 0, false}} {
		s.ServerStatus = tt.status
		got := s.WithProbe(tt.v, at, r)
		if got.Online != tt.want || !got.CheckedAt.Equal(at) || len(got.Probe) != 1 ||
			!got.UpdatedAt.Equal(s.UpdatedAt) || !got.FreshUntil.Equal(s.FreshUntil) {
			t.Errorf("%v with server_status %v: %+v", tt.v, tt.status, got)
		}
		back, err := Parse(got.Encode())
		if err != nil || back.Online != tt.want || !back.CheckedAt.Equal(at) {
			t.Errorf("round trip: %+v %v", back, err)
		}
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

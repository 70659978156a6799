package snapshot

import (
	"bytes"
	"testing"
	"time"
)

func TestWithProbe(t *testing.T) {
	_, s := testSnapshot(t, time.Unix(1764400987, 0), 90*time.Second, 0)
	at := s.UpdatedAt.Add(7 * time.Second)
	targets := []ProbeResult{{Addr: "h:1", OK: true, LatencyMS: 3}}
	for _, tt := range []struct {
		name   string
		online *bool
		status float64
		want   bool
	}{
		{"online over server_status 0", new(true), 0, true},
		{"offline over server_status 1", new(false), 1, false},
		{"no verdict, server_status 1", nil, 1, true},
		{"no verdict, server_status 0", nil, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s.ServerStatus = tt.status
			got := s.WithProbe(ProbeRound{At: at, Online: tt.online, Targets: targets})
			if got.Online != tt.want || !got.CheckedAt.Equal(at) || len(got.Probe) != 1 || got.Probe[0] != (ProbeTarget{OK: true, LatencyMS: 3}) ||
				!got.UpdatedAt.Equal(s.UpdatedAt) || !got.FreshUntil.Equal(s.FreshUntil) {
				t.Errorf("%+v", got)
			}
			back, err := Parse(got.Encode())
			if err != nil || back.Online != tt.want || !back.CheckedAt.Equal(at) || len(back.Probe) != 1 {
				t.Errorf("round trip: %+v %v", back, err)
			}
		})
	}
}

// TestPublicSnapshotHidesProbeTargets: the public bytes (status.json and server:status)
// say whether each target answered and how fast, never where it is or what failed.
func TestPublicSnapshotHidesProbeTargets(t *testing.T) {
	_, s := testSnapshot(t, time.Unix(1764400987, 0), 90*time.Second, 0)
	round := ProbeRound{At: s.UpdatedAt.Add(time.Second), Online: new(false), Targets: []ProbeResult{
		{Addr: "10.0.0.7:7777", LatencyMS: 1000, Error: "dial tcp 10.0.0.7:7777: i/o timeout"},
		{Addr: "login.internal:2106", OK: true, LatencyMS: 2},
	}}
	data := s.WithProbe(round).Encode()
	for _, leak := range []string{"10.0.0.7", "login.internal", "i/o timeout", `"addr"`, `"error"`} {
		if bytes.Contains(data, []byte(leak)) {
			t.Errorf("public snapshot holds %s:\n%s", leak, data)
		}
	}
	if want := `"probe":[{"ok":false,"latency_ms":1000},{"ok":true,"latency_ms":2}]`; !bytes.Contains(data, []byte(want)) {
		t.Errorf("public snapshot lacks %s:\n%s", want, data)
	}
}

package history_test

import (
	"strings"
	"testing"

	"statusedge/internal/history"
)

func TestUptimeBadge(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		pct  *float64
		want string
	}{
		{f(100), `{"schemaVersion":1,"label":"uptime 24h","message":"100.00%","color":"brightgreen"}`},
		{f(99.93), `{"schemaVersion":1,"label":"uptime 24h","message":"99.93%","color":"brightgreen"}`},
		{f(95.01), `{"schemaVersion":1,"label":"uptime 24h","message":"95.01%","color":"brightgreen"}`},
		{f(95), `{"schemaVersion":1,"label":"uptime 24h","message":"95.00%","color":"green"}`},
		{f(90), `{"schemaVersion":1,"label":"uptime 24h","message":"90.00%","color":"yellowgreen"}`},
		{f(85), `{"schemaVersion":1,"label":"uptime 24h","message":"85.00%","color":"yellow"}`},
		{f(80), `{"schemaVersion":1,"label":"uptime 24h","message":"80.00%","color":"orange"}`},
		{f(75), `{"schemaVersion":1,"label":"uptime 24h","message":"75.00%","color":"red"}`},
		{f(0), `{"schemaVersion":1,"label":"uptime 24h","message":"0.00%","color":"red"}`},
		{nil, `{"schemaVersion":1,"label":"uptime 24h","message":"no data","color":"lightgrey"}`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			cover := 1.0 // the whole day recorded; none for no figure
			if tt.pct == nil {
				cover = 0
			}
			if got := string(history.UptimeBadge("uptime 24h", tt.pct, cover, 1440)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestUptimeBadgeCoverage (issue 30): a figure that stands on part of its window says
// how much; one under MinCoverage is n/a; none at all is no data.
func TestUptimeBadgeCoverage(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		pct     *float64
		cover   float64
		minutes int
		want    string
	}{
		{f(99.93), 0.99, 1440, `"message":"99.93%"`},
		{f(90), 0.0104, 1440, `"message":"90.00% (15 min of data)"`},
		{f(90), 0.0417, 1440, `"message":"90.00% (1 h of data)"`},
		{f(90), 0.125, 1440, `"message":"90.00% (3 h of data)"`},
		{f(100), 0.1429, 10080, `"message":"100.00% (24 h of data)"`},
		{f(100), 0.5, 43200, `"message":"100.00% (15 days of data)"`},
		{nil, 0.0021, 1440, `"message":"n/a","color":"lightgrey"`},
		{nil, 0, 1440, `"message":"no data","color":"lightgrey"`},
	} {
		got := string(history.UptimeBadge("uptime 24h", c.pct, c.cover, c.minutes))
		if !strings.Contains(got, c.want) {
			t.Errorf("pct %v over %.4f of %d min: %s, want %s", pct(c.pct), c.cover, c.minutes, got, c.want)
		}
	}
}

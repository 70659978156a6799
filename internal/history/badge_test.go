package history_test

import (
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
			if got := string(history.UptimeBadge("uptime 24h", tt.pct)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

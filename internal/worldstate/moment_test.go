package worldstate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"statusedge/internal/history"
	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
	"statusedge/internal/statuspage"
)

// TestAt: the world at a moment, over every kind of status (none, online, offline with
// no target or some targets answering, each current or past fresh_until) and every plan
// (none, a window announced, a window active, both, and a window the status was
// published in that has ended since). In a window the world is in maintenance whatever
// the probe sees; no current data is no data in the record, never a degradation in
// Statuspage: the component keeps its last word.
func TestAt(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 30, 20, 0, time.UTC)
	players := int64(42)
	snap := func(online, fresh bool, targets ...bool) *snapshot.Snapshot {
		s := &snapshot.Snapshot{UpdatedAt: now.Add(-time.Minute), FreshUntil: now.Add(14 * time.Minute), CheckedAt: now.Add(-3 * time.Second),
			Online: online, Players: &players}
		if !fresh {
			s.FreshUntil = now // fresh_until is not fresh
		}
		for _, ok := range targets {
			s.Probe = append(s.Probe, snapshot.ProbeTarget{OK: ok})
		}
		return s
	}
	window := maintenance.Window{From: now.Add(-10 * time.Minute), Until: now.Add(50 * time.Minute), Message: maintenance.Text{EN: "Restart"}}
	soon := maintenance.Window{From: now.Add(20 * time.Hour), Until: now.Add(22 * time.Hour)}
	ended := maintenance.Window{From: now.Add(-time.Hour), Until: now.Add(-time.Second)}
	plans := map[string]Plan{
		"no plan":   {},
		"announced": {File: maintenance.Schedule{OneOff: []maintenance.Window{soon}}},
		"window":    {Command: []maintenance.Window{window}},
		"both":      {File: maintenance.Schedule{OneOff: []maintenance.Window{soon}}, Command: []maintenance.Window{window}},
		"ended":     {Command: []maintenance.Window{ended}},
	}
	snaps := map[string]*snapshot.Snapshot{
		"no data":         nil,
		"online":          snap(true, true, true),
		"offline":         snap(false, true, false),
		"offline partly":  snap(false, true, true, false),
		"stale online":    snap(true, false, true),
		"stale offline":   snap(false, false, false),
		"stale no target": snap(false, false),
	}
	// Published in the window that has ended since: its stored maintenance is not
	// believed at now.
	inEnded := snap(true, true, true)
	inEnded.Maintenance = &ended
	snaps["published in a window"] = inEnded

	const (
		on, off, maint = snapshot.StatusOnline, snapshot.StatusOffline, snapshot.StatusMaintenance
		op, part, out  = statuspage.Operational, statuspage.PartialOutage, statuspage.MajorOutage
		none, minor    = statuspage.IndicatorNone, statuspage.IndicatorMinor
		critical       = statuspage.IndicatorCritical
	)
	type want struct {
		state     history.State
		status    string
		component statuspage.ComponentStatus
		indicator statuspage.StatusIndicator
	}
	inWindow := func(status string) want {
		return want{history.Maintenance, status, statuspage.UnderMaintenance, statuspage.IndicatorMaintenance}
	}
	outside := map[string]want{
		"no data":               {history.NoData, "", op, none},
		"online":                {history.Up, on, op, none},
		"offline":               {history.Down, off, out, critical},
		"offline partly":        {history.Down, off, part, minor},
		"stale online":          {history.NoData, on, op, none},
		"stale offline":         {history.NoData, off, out, critical},
		"stale no target":       {history.NoData, off, out, critical},
		"published in a window": {history.Up, on, op, none},
	}
	for sname, s := range snaps {
		for pname, p := range plans {
			w := outside[sname]
			active := pname == "window" || pname == "both"
			if active {
				w = inWindow(maint)
				if s == nil {
					w.status = "" // no document yet, whatever the plan
				}
			}
			t.Run(fmt.Sprintf("%s/%s", sname, pname), func(t *testing.T) {
				m := At(now, s, p)
				if m.State != w.state || m.Status != w.status || m.Component != w.component || m.Indicator != w.indicator {
					t.Errorf("state %d, status %q, component %s, indicator %s; want %d, %q, %s, %s",
						m.State, m.Status, m.Component, m.Indicator, w.state, w.status, w.component, w.indicator)
				}
				if active != (m.Window != nil) || (active && !m.Window.From.Equal(window.From)) {
					t.Errorf("window %+v, want active %v", m.Window, active)
				}
				announced := pname == "announced" || pname == "both"
				if announced != (m.Next != nil) || len(m.Upcoming) != map[bool]int{true: 1}[announced] {
					t.Errorf("next %+v, upcoming %d; want announced %v", m.Next, len(m.Upcoming), announced)
				}
				current := s != nil && s.Fresh(now)
				if m.Current != current || (m.Players != nil) != current {
					t.Errorf("current %v, players %v; want current %v, players only while current", m.Current, m.Players, current)
				}
				if s != nil && !m.CheckedAt.Equal(s.CheckedAt) {
					t.Errorf("checked_at %v, want the status's %v", m.CheckedAt, s.CheckedAt)
				}
			})
		}
	}
}

// TestAtStatusIsTheDocuments: the status word of a Moment is what the status document
// published at that moment says, and its badge too.
func TestAtStatusIsTheDocuments(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	window := maintenance.Window{From: now.Add(-time.Minute), Until: now.Add(time.Hour)}
	for _, p := range []Plan{{}, {Command: []maintenance.Window{window}}} {
		for _, online := range []bool{true, false} {
			s := snapshot.Snapshot{UpdatedAt: now, FreshUntil: now.Add(time.Minute), Online: online, ServerStatus: 1}
			m := At(now, &s, p)
			published := Published(s, m.Window, m.Next)
			parsed, err := Read(published.Encode())
			if err != nil {
				t.Fatal(err)
			}
			if parsed.Status != m.Status {
				t.Errorf("online %v, window %v: document says %q, moment %q", online, m.Window != nil, parsed.Status, m.Status)
			}
			if want := `"message":"` + m.Status + `"`; !strings.Contains(string(parsed.Badge()), want) {
				t.Errorf("badge %s, want %s", parsed.Badge(), want)
			}
		}
	}
}

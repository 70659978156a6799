package main

import (
	"path/filepath"
	"testing"
	"time"

	"statusedge/internal/history"
	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
	"statusedge/internal/statuspage"
	"statusedge/internal/statuspage/schematest"
)

// TestStatuspageOfWorlds: each world's state maps to the Statuspage component status the
// README promises, the roll-up follows, history incidents become incidents (ongoing ones
// unresolved, with the operator's message), windows become scheduled maintenances, and
// every document validates against the schemas.
func TestStatuspageOfWorlds(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 30, 20, 0, time.UTC)
	snap := func(online bool, fresh bool, targets ...bool) *snapshot.Snapshot {
		s := &snapshot.Snapshot{UpdatedAt: now.Add(-time.Minute), FreshUntil: now.Add(14 * time.Minute), Online: online}
		if !fresh {
			s.FreshUntil = now.Add(-time.Second)
		}
		for _, ok := range targets {
			s.Probe = append(s.Probe, snapshot.ProbeTarget{OK: ok})
		}
		return s
	}
	window := maintenance.Window{From: now.Add(-10 * time.Minute), Until: now.Add(50 * time.Minute), Message: maintenance.Text{EN: "Weekly restart", RU: "Перезапуск"}}
	soon := maintenance.Window{From: now.Add(20 * time.Hour), Until: now.Add(22 * time.Hour), Message: maintenance.Text{EN: "Patch", RU: "Патч"}}
	started := now.Add(-4 * time.Minute).Truncate(time.Minute)
	ended := now.Add(-time.Hour)
	ongoing := history.Incident{ID: started.Format(history.IDLayout), StartedAt: started, Ongoing: true, Minutes: 5,
		Title: &maintenance.Text{EN: "Login down", RU: "Вход недоступен"}, Updates: []history.Update{{At: now.Add(-time.Minute), Message: maintenance.Text{EN: "Restarting", RU: "Перезапуск"}}}}
	past := history.Incident{ID: ended.Add(-3 * time.Minute).Format(history.IDLayout), StartedAt: ended.Add(-3 * time.Minute), EndedAt: &ended, Minutes: 3, Updates: []history.Update{}}
	mk := func(id string, s *snapshot.Snapshot, active *maintenance.Window, next []maintenance.Window, incs ...history.Incident) view {
		w := &world{setup: worldSetup{layout: snapshot.WorldLayout(id), nameEN: "World " + id}}
		return view{w: w, snap: s, ok: true, active: active, next: next,
			doc: history.Document{World: id, Days: []history.Day{{Date: "2026-11-01", Up: 10}}, Incidents: incs}}
	}
	tests := []struct {
		name       string
		views      []view
		components []statuspage.ComponentStatus
		indicator  statuspage.StatusIndicator
		unresolved int
	}{
		{"up", []view{mk("x1", snap(true, true, true), nil, nil, past), mk("x50", snap(true, true), nil, []maintenance.Window{soon})},
			[]statuspage.ComponentStatus{statuspage.Operational, statuspage.Operational}, statuspage.IndicatorNone, 0},
		{"down with an ongoing incident", []view{mk("x1", snap(false, true, false), nil, nil, ongoing, past), mk("x50", snap(true, true), nil, nil)},
			[]statuspage.ComponentStatus{statuspage.MajorOutage, statuspage.Operational}, statuspage.IndicatorMajor, 1},
		{"every world down", []view{mk("x1", snap(false, true, false), nil, nil, ongoing), mk("x50", snap(false, true), nil, nil, ongoing)},
			[]statuspage.ComponentStatus{statuspage.MajorOutage, statuspage.MajorOutage}, statuspage.IndicatorCritical, 2},
		{"some targets still answer", []view{mk("x1", snap(false, true, true, false), nil, nil)},
			[]statuspage.ComponentStatus{statuspage.PartialOutage}, statuspage.IndicatorMinor, 0},
		{"maintenance, down inside it", []view{mk("x1", snap(false, true, false), &window, []maintenance.Window{soon}), mk("x50", snap(true, true), nil, nil)},
			[]statuspage.ComponentStatus{statuspage.UnderMaintenance, statuspage.Operational}, statuspage.IndicatorMaintenance, 0},
		{"nothing current", []view{mk("x1", snap(true, false), nil, nil), mk("x50", nil, nil, nil)},
			[]statuspage.ComponentStatus{statuspage.DegradedPerformance, statuspage.DegradedPerformance}, statuspage.IndicatorMinor, 0},
	}
	docs := []string{statuspage.StatusPath, statuspage.SummaryPath, statuspage.ComponentsPath, statuspage.IncidentsPath, statuspage.MaintenancesPath}
	schemas := schematest.Schemas(t, filepath.Join("..", "internal", "statuspage", "schema"), docs...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := statuspageInput(statuspage.Page{ID: "statusedge", Name: "Test", URL: "https://status.example.com", TimeZone: "Etc/UTC"}, tt.views, now)
			for i, c := range in.Components {
				if c.Status != tt.components[i] {
					t.Errorf("component %s: %s, want %s", c.ID, c.Status, tt.components[i])
				}
			}
			if ind, _ := statuspage.Indicator(in); ind != tt.indicator {
				t.Errorf("indicator %s, want %s", ind, tt.indicator)
			}
			unresolved := 0
			for _, inc := range in.Incidents {
				if inc.Status.Unresolved() {
					unresolved++
					if inc.ResolvedAt != nil {
						t.Errorf("incident %s unresolved with resolved_at %v", inc.ID, inc.ResolvedAt)
					}
				}
			}
			if unresolved != tt.unresolved {
				t.Errorf("%d unresolved incidents, want %d: %+v", unresolved, tt.unresolved, in.Incidents)
			}
			if in.Page.UpdatedAt.After(now) || in.Page.UpdatedAt.IsZero() {
				t.Errorf("page updated_at %v: want the newest change, not after now", in.Page.UpdatedAt)
			}
			for path, body := range statuspage.Documents(in) {
				if err := schematest.Validate(schemas[path], body); err != nil {
					t.Errorf("%s does not validate: %v\n%s", path, err, body)
				}
			}
		})
	}
	// The operator's title names the incident; its message is an update, newest first.
	in := statuspageInput(statuspage.Page{ID: "statusedge", Name: "Test", URL: "https://status.example.com"}, tests[1].views, now)
	inc := in.Incidents[0]
	if inc.Name != "Login down" || inc.Status != statuspage.Identified || inc.Updates[0].Body != "Restarting" {
		t.Errorf("ongoing incident %q %s, first update %q; want the operator's title, identified, and the message first", inc.Name, inc.Status, inc.Updates[0].Body)
	}
}

// TestStateOf: the minute's state is maintenance in a window whatever the probe sees, no
// data without a current status, else the status's online.
func TestStateOf(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	fresh := &snapshot.Snapshot{UpdatedAt: now.Add(-time.Minute), FreshUntil: now.Add(time.Minute)}
	stale := &snapshot.Snapshot{UpdatedAt: now.Add(-time.Hour), FreshUntil: now, Online: true}
	up := *fresh
	up.Online = true
	w := &maintenance.Window{From: now.Add(-time.Minute), Until: now.Add(time.Hour)}
	for _, tt := range []struct {
		name   string
		active *maintenance.Window
		cur    *snapshot.Snapshot
		want   history.State
	}{
		{"up", nil, &up, history.Up},
		{"down", nil, fresh, history.Down},
		{"stale is no data", nil, stale, history.NoData},
		{"no snapshot is no data", nil, nil, history.NoData},
		{"maintenance while down", w, fresh, history.Maintenance},
		{"maintenance without a status", w, nil, history.Maintenance},
	} {
		if got := stateOf(now, tt.active, tt.cur); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

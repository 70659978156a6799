package worldstate

import (
	"path/filepath"
	"strconv"
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
	mk := func(id string, s *snapshot.Snapshot, plan Plan, incs ...history.Incident) Report {
		return Report{Layout: snapshot.WorldLayout(id), NameEN: "World " + id, Moment: At(now, s, plan), Incidents: incs}
	}
	none := Plan{}
	announced := Plan{File: maintenance.Schedule{OneOff: []maintenance.Window{soon}}}
	inWindow := Plan{File: announced.File, Command: []maintenance.Window{window}}
	tests := []struct {
		name       string
		views      []Report
		components []statuspage.ComponentStatus
		indicator  statuspage.StatusIndicator
		unresolved int
	}{
		{"up", []Report{mk("x1", snap(true, true, true), none, past), mk("x50", snap(true, true), announced)},
			[]statuspage.ComponentStatus{statuspage.Operational, statuspage.Operational}, statuspage.IndicatorNone, 0},
		{"down with an ongoing incident", []Report{mk("x1", snap(false, true, false), none, ongoing, past), mk("x50", snap(true, true), none)},
			[]statuspage.ComponentStatus{statuspage.MajorOutage, statuspage.Operational}, statuspage.IndicatorMajor, 1},
		{"every world down", []Report{mk("x1", snap(false, true, false), none, ongoing), mk("x50", snap(false, true), none, ongoing)},
			[]statuspage.ComponentStatus{statuspage.MajorOutage, statuspage.MajorOutage}, statuspage.IndicatorCritical, 2},
		{"some targets still answer", []Report{mk("x1", snap(false, true, true, false), none)},
			[]statuspage.ComponentStatus{statuspage.PartialOutage}, statuspage.IndicatorMinor, 0},
		{"maintenance, down inside it", []Report{mk("x1", snap(false, true, false), inWindow), mk("x50", snap(true, true), none)},
			[]statuspage.ComponentStatus{statuspage.UnderMaintenance, statuspage.Operational}, statuspage.IndicatorMaintenance, 0},
		// No current data is never a degradation of the game: the last word stands (its
		// description says since when), operational before any.
		{"nothing current", []Report{mk("x1", snap(true, false), none), mk("x50", nil, none)},
			[]statuspage.ComponentStatus{statuspage.Operational, statuspage.Operational}, statuspage.IndicatorNone, 0},
		{"stale while offline", []Report{mk("x1", snap(false, false, false), none, ongoing)},
			[]statuspage.ComponentStatus{statuspage.MajorOutage}, statuspage.IndicatorCritical, 1},
	}
	docs := []string{statuspage.StatusPath, statuspage.SummaryPath, statuspage.ComponentsPath, statuspage.IncidentsPath, statuspage.MaintenancesPath,
		statuspage.UnresolvedPath, statuspage.UpcomingPath, statuspage.ActivePath}
	schemas := schematest.Schemas(t, filepath.Join("..", "statuspage", "schema"), docs...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Statuspage(statuspage.Page{ID: "statusedge", Name: "Test", URL: "https://status.example.com", TimeZone: "Etc/UTC"}, tt.views, now)
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
	in := Statuspage(statuspage.Page{ID: "statusedge", Name: "Test", URL: "https://status.example.com"}, tests[1].views, now)
	inc := in.Incidents[0]
	if inc.Name != "Login down" || inc.Status != statuspage.Identified || inc.Updates[0].Body != "Restarting" {
		t.Errorf("ongoing incident %q %s, first update %q; want the operator's title, identified, and the message first", inc.Name, inc.Status, inc.Updates[0].Body)
	}
}

// TestStatuspageTimes: a component is created at the first recorded minute (now before
// any: never midnight of a fresh deployment's first day); a stale world says since when
// nothing is current; a command-line window is created when the command ran, a file
// window when first published, and its first update says so: never a day before it
// starts.
func TestStatuspageTimes(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 30, 20, 0, time.UTC)
	first := time.Date(2026, 12, 2, 10, 17, 0, 0, time.UTC)
	ran := now.Add(-5 * time.Second)
	cli := maintenance.Window{From: now.Add(-3 * time.Second), Until: now.Add(time.Hour), Message: maintenance.Text{EN: "Hotfix", RU: "Исправление"}, Created: ran}
	file := maintenance.Window{From: now.Add(20 * time.Hour), Until: now.Add(21 * time.Hour), Message: maintenance.Text{EN: "Weekly", RU: "Еженедельно"}}
	seenAt := now.Add(-2 * time.Hour)
	stale := &snapshot.Snapshot{UpdatedAt: now.Add(-time.Hour), FreshUntil: now.Add(-time.Minute), CheckedAt: now.Add(-20 * time.Minute), Online: true}
	plan := Plan{File: maintenance.Schedule{OneOff: []maintenance.Window{file}}, Command: []maintenance.Window{cli}}
	v := Report{Layout: snapshot.Legacy(), Moment: At(now, stale, plan), First: first, Seen: map[string]time.Time{maintenance.SeenField(file): seenAt}}
	in := Statuspage(statuspage.Page{ID: "statusedge", URL: "https://status.example.com"}, []Report{v}, now)
	c := in.Components[0]
	if !c.CreatedAt.Equal(first) {
		t.Errorf("component created_at %v, want the first recorded minute %v", c.CreatedAt, first)
	}
	v.First = time.Time{}
	if c := Statuspage(statuspage.Page{}, []Report{v}, now).Components[0]; !c.CreatedAt.Equal(now) {
		t.Errorf("component created_at before any record %v, want now", c.CreatedAt)
	}
	if in.Page.UpdatedAt.Before(first) {
		t.Errorf("page updated_at %v before the first record", in.Page.UpdatedAt)
	}
	byID := map[string]statuspage.Maintenance{}
	for _, m := range in.Maintenances {
		byID[m.ID] = m
	}
	for _, tt := range []struct {
		w       maintenance.Window
		created time.Time
	}{{cli, ran}, {file, seenAt}} {
		m, ok := byID["server-m"+strconv.FormatInt(tt.w.From.Unix(), 10)]
		if !ok {
			t.Fatalf("no maintenance for %v in %+v", tt.w.From, in.Maintenances)
		}
		last := m.Updates[len(m.Updates)-1] // newest first: the scheduled one
		if !m.CreatedAt.Equal(tt.created) || !last.CreatedAt.Equal(tt.created) || last.Status != statuspage.IncidentStatus(statuspage.Scheduled) {
			t.Errorf("%s: created_at %v, scheduled update %s at %v; want both %v", m.ID, m.CreatedAt, last.Status, last.CreatedAt, tt.created)
		}
	}
	// Not yet seen anywhere: created by this publish.
	v.Seen = nil
	for _, m := range Statuspage(statuspage.Page{}, []Report{v}, now).Maintenances {
		if m.ScheduledFor.Equal(file.From) && !m.CreatedAt.Equal(now) {
			t.Errorf("a file window first published now: created_at %v, want %v", m.CreatedAt, now)
		}
	}
	// A stale status outside a window: its last word, and since when nothing is current.
	v.Moment = At(now, stale, Plan{})
	c = Statuspage(statuspage.Page{}, []Report{v}, now).Components[0]
	if c.Status != statuspage.Operational || c.Description != "No current status since 2026-12-02T10:10:20Z." {
		t.Errorf("stale component: %s %q", c.Status, c.Description)
	}
}

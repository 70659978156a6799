package history_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"statusedge/internal/history"
	"statusedge/internal/maintenance"
)

// buildNow is the moment of the table's documents: its minute is 12:34, today's 755th.
var buildNow = time.Date(2026, 3, 10, 12, 34, 56, 0, time.UTC)

// run is n minutes of one state.
type run struct {
	st history.State
	n  int
}

// cellsEndingNow are the cells of [Start(now), now's minute], NoData but for runs, which
// end with now's minute.
func cellsEndingNow(now time.Time, runs ...run) []history.State {
	n := int(now.Truncate(time.Minute).Sub(history.Start(now))/time.Minute) + 1
	cells := make([]history.State, n)
	i := n
	for _, r := range slices.Backward(runs) {
		i -= r.n
		for j := range r.n {
			cells[i+j] = r.st
		}
	}
	return cells
}

// pct shows an uptime as the document does: "null" or its JSON number.
func pct(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// incidentLine is an incident in a line: "10:00-10:31 31" or "23:50- 10 ongoing".
func incidentLine(inc history.Incident) string {
	end := ""
	if inc.EndedAt != nil {
		end = inc.EndedAt.Format("15:04")
	}
	s := fmt.Sprintf("%s-%s %d", inc.StartedAt.Format("15:04"), end, inc.Minutes)
	if inc.Ongoing {
		s += " ongoing"
	}
	return s
}

func TestStart(t *testing.T) {
	tests := []struct {
		now  time.Time
		want string
	}{
		{buildNow, "2025-12-11T00:00:00Z"},
		{time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), "2025-12-11T00:00:00Z"},
		{time.Date(2026, 3, 10, 23, 59, 59, 0, time.UTC), "2025-12-11T00:00:00Z"},
		// A zone's evening is the next UTC day: the record's days are UTC.
		{time.Date(2026, 3, 10, 23, 0, 0, 0, time.FixedZone("MSK", 3*3600)), "2025-12-11T00:00:00Z"},
		{time.Date(2026, 3, 11, 1, 0, 0, 0, time.FixedZone("EST", -5*3600)), "2025-12-12T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.now.String(), func(t *testing.T) {
			if got := history.Start(tt.now).Format(time.RFC3339); got != tt.want {
				t.Errorf("Start(%v) = %s, want %s", tt.now, got, tt.want)
			}
		})
	}
}

func TestBuild(t *testing.T) {
	U, D, M, N := history.Up, history.Down, history.Maintenance, history.NoData
	tests := []struct {
		name   string
		runs   []run
		today  [4]int    // up, down, maintenance, no data of today's 755 minutes
		uptime [4]string // 24h, 7d, 30d, 90d
		// incidents, newest first
		incidents []string
	}{
		{"nothing recorded", nil, [4]int{0, 0, 0, 755}, [4]string{"null", "null", "null", "null"}, nil},
		{"flips", []run{{U, 5}, {D, 3}, {U, 2}},
			[4]int{7, 3, 0, 745}, [4]string{"70", "70", "70", "70"}, []string{"12:30-12:33 3"}},
		{"two outages", []run{{D, 1}, {U, 3}, {D, 2}, {U, 4}},
			[4]int{7, 3, 0, 745}, [4]string{"70", "70", "70", "70"}, []string{"12:29-12:31 2", "12:25-12:26 1"}},
		{"no data between downs joins them, not counted as down", []run{{U, 1}, {D, 2}, {N, 3}, {D, 2}, {U, 1}},
			[4]int{2, 4, 0, 749}, [4]string{"33.33", "33.33", "33.33", "33.33"}, []string{"12:27-12:34 7"}},
		// Nobody saw it end: the current minute not recorded yet, or no snapshotter since.
		{"no data up to now keeps a run open", []run{{U, 1}, {D, 2}, {N, 3}},
			[4]int{1, 2, 0, 752}, [4]string{"33.33", "33.33", "33.33", "33.33"}, []string{"12:30- 5 ongoing"}},
		{"no data then up closes a run after its last down minute", []run{{U, 1}, {D, 2}, {N, 3}, {U, 1}},
			[4]int{2, 2, 0, 751}, [4]string{"50", "50", "50", "50"}, []string{"12:29-12:31 2"}},
		{"maintenance left out", []run{{U, 6}, {M, 10}},
			[4]int{6, 0, 10, 739}, [4]string{"100", "100", "100", "100"}, nil},
		{"maintenance ends a run", []run{{D, 2}, {M, 3}, {D, 1}, {U, 1}},
			[4]int{1, 3, 3, 748}, [4]string{"25", "25", "25", "25"}, []string{"12:33-12:34 1", "12:28-12:30 2"}},
		{"ongoing", []run{{U, 4}, {D, 3}},
			[4]int{4, 3, 0, 748}, [4]string{"57.14", "57.14", "57.14", "57.14"}, []string{"12:32- 3 ongoing"}},
		{"ongoing across no data", []run{{D, 1}, {N, 2}, {D, 1}},
			[4]int{0, 2, 0, 753}, [4]string{"0", "0", "0", "0"}, []string{"12:31- 4 ongoing"}},
		// 99.995 % is shown 99.99, never rounded up to 100.
		{"floored, never rounded up", []run{{D, 1}, {U, 19999}},
			[4]int{755, 0, 0, 0}, [4]string{"100", "100", "99.99", "99.99"}, []string{"15:15-15:16 1"}},
		{"one down minute a day", []run{{D, 1}, {U, 1439}},
			[4]int{755, 0, 0, 0}, [4]string{"99.93", "99.93", "99.93", "99.93"}, []string{"12:35-12:36 1"}},
		{"outage across midnight", []run{{U, 1}, {D, 30}, {U, 735}},
			[4]int{735, 20, 0, 0}, [4]string{"96.08", "96.08", "96.08", "96.08"}, []string{"23:50-00:20 30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := cellsEndingNow(buildNow, tt.runs...)
			if tt.runs != nil {
				// Maintenance before today where nothing else is: every window holds
				// enough of the record for its figure (MinCoverage), and maintenance
				// changes neither the uptime nor the incidents nor today's counts.
				for i := range (history.Days - 1) * 1440 {
					if cells[i] == N {
						cells[i] = M
					}
				}
			}
			doc := history.Build("x1", buildNow, cells, nil, nil, nil)
			if doc.World != "x1" || !doc.GeneratedAt.Equal(buildNow) {
				t.Errorf("world %q generated %v", doc.World, doc.GeneratedAt)
			}
			if len(doc.Days) != history.Days || doc.Days[0].Date != "2025-12-11" || doc.Days[89].Date != "2026-03-10" {
				t.Fatalf("%d days from %s", len(doc.Days), doc.Days[0].Date)
			}
			today := doc.Days[89]
			if got := [4]int{today.Up, today.Down, today.Maintenance, today.NoData}; got != tt.today {
				t.Errorf("today up, down, maintenance, no data = %v, want %v", got, tt.today)
			}
			total := 0
			for _, d := range doc.Days[:89] {
				total += d.Up + d.Down + d.Maintenance + d.NoData
			}
			if total != 89*1440 {
				t.Errorf("days before today hold %d minutes, want %d", total, 89*1440)
			}
			u := doc.Uptime
			if got := [4]string{pct(u.H24), pct(u.D7), pct(u.D30), pct(u.D90)}; got != tt.uptime {
				t.Errorf("uptime 24h, 7d, 30d, 90d = %v, want %v", got, tt.uptime)
			}
			var got []string
			for _, inc := range doc.Incidents {
				got = append(got, incidentLine(inc))
				if inc.ID != inc.StartedAt.Format(history.IDLayout) || inc.Updates == nil || inc.Title != nil {
					t.Errorf("incident %+v: id, title or updates", inc)
				}
				if inc.Ongoing != (inc.EndedAt == nil) {
					t.Errorf("incident %s: ongoing %v with end %v", inc.ID, inc.Ongoing, inc.EndedAt)
				}
			}
			if !slices.Equal(got, tt.incidents) {
				t.Errorf("incidents = %q, want %q", got, tt.incidents)
			}
			if doc.Incidents == nil || doc.Maintenance.Upcoming == nil {
				t.Error("incidents or upcoming nil: must be []")
			}
		})
	}
}

// TestBuildDaysAndNotes: the day before today in full, the 90-day window's first minute,
// notes attached by ID, maintenance passed through.
func TestBuildDaysAndNotes(t *testing.T) {
	cells := cellsEndingNow(buildNow)
	cells[0] = history.Down // the first minute of the window
	yesterday := 88 * 1440
	for i := range 1440 {
		cells[yesterday+i] = history.Up
	}
	cells[yesterday+600] = history.Down
	title := &maintenance.Text{EN: "Database failover", RU: "Переключение базы"}
	at := time.Date(2025, 12, 11, 0, 5, 0, 0, time.UTC)
	notes := map[string]history.Note{
		"20251211T0000Z": {Title: title, Updates: []history.Update{{At: at, Message: maintenance.Text{EN: "fixed", RU: "исправлено"}}}},
		"20260309T1000Z": {Title: title},
		"20260301T0000Z": {Title: title}, // no such incident: nothing to attach it to
	}
	active := &maintenance.Window{From: buildNow.Add(-time.Hour), Until: buildNow.Add(time.Hour)}
	upcoming := []maintenance.Window{{From: buildNow.Add(20 * time.Hour), Until: buildNow.Add(21 * time.Hour)}}

	doc := history.Build("", buildNow, cells, notes, active, upcoming)
	y := doc.Days[88]
	if y.Date != "2026-03-09" || y.Up != 1439 || y.Down != 1 || y.NoData != 0 || pct(y.Uptime) != "99.93" {
		t.Errorf("yesterday = %+v uptime %s", y, pct(y.Uptime))
	}
	if d := doc.Days[0]; d.Down != 1 || d.NoData != 1439 || pct(d.Uptime) != "0" {
		t.Errorf("first day = %+v", d)
	}
	if pct(doc.Days[1].Uptime) != "null" {
		t.Errorf("a day without up or down minutes: uptime %s, want null", pct(doc.Days[1].Uptime))
	}
	var lines []string
	for _, inc := range doc.Incidents {
		lines = append(lines, inc.ID+" "+incidentLine(inc))
	}
	if want := []string{"20260309T1000Z 10:00-10:01 1", "20251211T0000Z 00:00-00:01 1"}; !slices.Equal(lines, want) {
		t.Fatalf("incidents %q, want %q", lines, want)
	}
	if doc.Incidents[0].Title == nil || *doc.Incidents[0].Title != *title {
		t.Errorf("title of 20260309T1000Z = %+v", doc.Incidents[0].Title)
	}
	old := doc.Incidents[1]
	if old.Title == nil || *old.Title != *title || len(old.Updates) != 1 || old.Updates[0].Message.RU != "исправлено" {
		t.Errorf("note not attached: %+v", old)
	}
	if len(doc.Incidents[0].Updates) != 0 || doc.Incidents[0].Updates == nil {
		t.Errorf("updates %v, want []", doc.Incidents[0].Updates)
	}
	if doc.Maintenance.Active != active || len(doc.Maintenance.Upcoming) != 1 {
		t.Errorf("maintenance %+v", doc.Maintenance)
	}
	// Fewer cells than minutes: the rest is NoData, never up.
	short := history.Build("", buildNow, cells[:10], nil, nil, nil)
	if today := short.Days[89]; today.NoData != 755 || short.Uptime.H24 != nil {
		t.Errorf("short cells: today %+v, 24h %s", today, pct(short.Uptime.H24))
	}
	if !strings.HasPrefix(doc.GeneratedAt.String(), "2026-03-10 12:34:56") {
		t.Errorf("generated at %v", doc.GeneratedAt)
	}
}

func BenchmarkBuild90Days(b *testing.B) {
	now := buildNow.Add(11*time.Hour + 25*time.Minute) // 23:59: 90 full days
	cells := cellsEndingNow(now)
	if len(cells) != 129600 {
		b.Fatalf("%d cells", len(cells))
	}
	// A realistic mix: up, an outage every few hours, some maintenance and gaps.
	for i := range cells {
		switch {
		case i%500 < 3:
			cells[i] = history.Down
		case i%10080 < 120:
			cells[i] = history.Maintenance
		case i%7000 < 10:
			cells[i] = history.NoData
		default:
			cells[i] = history.Up
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		history.Build("x1", now, cells, nil, nil, nil)
	}
}

// TestBuildBoundsIncidents: 90 full days of a server flapping every minute (64,800
// incidents, the most 90 days hold) list the newest MaxIncidents in full, count every
// one per day and in total, and stay under 256 kB, with or without an operator's longest
// title on each listed incident (docs/spec.md gives the figures).
func TestBuildBoundsIncidents(t *testing.T) {
	now := buildNow.Add(11*time.Hour + 25*time.Minute) // 23:59: 90 full days
	cells := cellsEndingNow(now)
	for i := range cells {
		cells[i] = history.State(1 + i%2) // up, down, up, down...: the last minute down, ongoing
	}
	title := &maintenance.Text{EN: strings.Repeat("e", 200), RU: strings.Repeat("ж", 200)}
	titled := map[string]history.Note{}
	for _, inc := range history.Incidents(now, cells, nil)[:history.MaxIncidents] {
		titled[inc.ID] = history.Note{Title: title}
	}
	for _, tt := range []struct {
		name  string
		notes map[string]history.Note
	}{{"bare", nil}, {"titled", titled}} {
		t.Run(tt.name, func(t *testing.T) {
			doc := history.Build("x1", now, cells, tt.notes, nil, nil)
			if len(doc.Incidents) != history.MaxIncidents || doc.IncidentsTotal != 64800 || doc.IncidentsOmitted != 64800-history.MaxIncidents {
				t.Errorf("%d incidents listed, total %d, omitted %d; want %d, 64800, %d", len(doc.Incidents), doc.IncidentsTotal, doc.IncidentsOmitted, history.MaxIncidents, 64800-history.MaxIncidents)
			}
			if !doc.Incidents[0].Ongoing || doc.Incidents[0].StartedAt != now.Truncate(time.Minute) {
				t.Errorf("the first listed %+v, want the ongoing one of now's minute", doc.Incidents[0])
			}
			for _, d := range doc.Days {
				if d.Incidents != 720 {
					t.Fatalf("day %s counts %d incidents, want 720", d.Date, d.Incidents)
				}
			}
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			// gzip at level 1, nginx's gzip_comp_level when unset (the templates leave it): what a visitor fetches.
			var z bytes.Buffer
			zw, err := gzip.NewWriterLevel(&z, 1)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := zw.Write(b); err != nil {
				t.Fatal(err)
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: history document of 90 days flapping every minute: %d bytes, %d gzipped", tt.name, len(b), z.Len())
			if len(b) > 256<<10 {
				t.Errorf("history document %d bytes, want at most 256 kB", len(b))
			}
		})
	}
}

// TestCoverage (issue 30): each uptime figure stands on the share of its window the
// record holds, and is null below MinCoverage: three minutes with one down are no
// "66.67% over 30 days"; an hour is a 24-h figure and nothing longer; data_since is the
// first recorded minute.
func TestCoverage(t *testing.T) {
	U, D := history.Up, history.Down
	for _, c := range []struct {
		name     string
		runs     []run
		uptime   [4]string
		coverage history.Coverage
		since    string
	}{
		{"nothing", nil, [4]string{"null", "null", "null", "null"}, history.Coverage{}, "null"},
		{"three minutes, one down", []run{{U, 1}, {D, 1}, {U, 1}}, [4]string{"null", "null", "null", "null"},
			history.Coverage{H24: 0.0021, D7: 0.0003, D30: 0.0001, D90: 0}, "12:32"},
		{"an hour", []run{{D, 6}, {U, 54}}, [4]string{"90", "null", "null", "null"},
			history.Coverage{H24: 0.0417, D7: 0.006, D30: 0.0014, D90: 0.0005}, "11:35"},
		{"a whole day", []run{{U, 1440}}, [4]string{"100", "100", "100", "100"},
			history.Coverage{H24: 1, D7: 0.1429, D30: 0.0333, D90: 0.0111}, "12:35"},
		{"exactly 1% of 30 days", []run{{U, 432}}, [4]string{"100", "100", "100", "null"},
			history.Coverage{H24: 0.3, D7: 0.0429, D30: 0.01, D90: 0.0033}, "05:23"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := history.Build("", buildNow, cellsEndingNow(buildNow, c.runs...), nil, nil, nil)
			u := doc.Uptime
			if got := [4]string{pct(u.H24), pct(u.D7), pct(u.D30), pct(u.D90)}; got != c.uptime {
				t.Errorf("uptime %v, want %v", got, c.uptime)
			}
			if doc.Coverage != c.coverage {
				t.Errorf("coverage %+v, want %+v", doc.Coverage, c.coverage)
			}
			since := "null"
			if doc.DataSince != nil {
				since = doc.DataSince.Format("15:04")
			}
			if since != c.since {
				t.Errorf("data_since %s, want %s", since, c.since)
			}
		})
	}
}

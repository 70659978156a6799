package statuspage

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkDocuments: 50 worlds, 200 incidents of 3 updates over 90 days, 20 maintenances;
// reports the bytes of all five documents and of summary.json.
func BenchmarkDocuments(b *testing.B) {
	in := Input{Page: testPage()}
	for w := range 50 {
		in.Components = append(in.Components, Component{
			ID: fmt.Sprintf("w%02d", w), Name: fmt.Sprintf("World %d", w), Status: Operational,
			Position: w + 1, CreatedAt: at(0, 0), UpdatedAt: at(0, 0),
		})
	}
	in.Components[7].Status = MajorOutage
	for i := range 200 {
		start := at(9, 0).Add(-time.Duration(i) * 10 * time.Hour)
		world := in.Components[i%50]
		status, resolved := Resolved, &start
		if i == 0 {
			status, resolved = Investigating, nil
		}
		inc := Incident{ID: fmt.Sprintf("i%03d", i), Name: world.Name + " offline", Status: status, Impact: ImpactMajor,
			CreatedAt: start, UpdatedAt: start, StartedAt: start, ResolvedAt: resolved, Components: []string{world.ID}}
		for u := range 3 {
			inc.Updates = append(inc.Updates, Update{ID: fmt.Sprintf("%s-%d", inc.ID, u), Status: Investigating, Body: "World offline; we are on it.",
				CreatedAt: start, DisplayAt: start, Affected: []Affected{{Code: world.ID, Name: world.Name, OldStatus: Operational, NewStatus: MajorOutage}}})
		}
		in.Incidents = append(in.Incidents, inc)
	}
	for i := range 20 {
		from := at(1, 0).Add(time.Duration(i-18) * 7 * 24 * time.Hour)
		status := Completed
		if i > 18 {
			status = Scheduled
		}
		in.Maintenances = append(in.Maintenances, Maintenance{
			Incident:     Incident{ID: fmt.Sprintf("m%02d", i), Name: "Weekly restart", CreatedAt: from, UpdatedAt: from},
			ScheduledFor: from, ScheduledUntil: from.Add(2 * time.Hour), Status: status,
		})
	}
	var total, summary int
	for b.Loop() {
		docs := Documents(in)
		total, summary = 0, len(docs[SummaryPath])
		for _, d := range docs {
			total += len(d)
		}
	}
	b.ReportMetric(float64(total), "bytes/5docs")
	b.ReportMetric(float64(summary), "bytes/summary")
}

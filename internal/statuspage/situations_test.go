package statuspage

import "time"

// at is a moment on the test day, 2026-12-02, UTC.
func at(hour, minute int) time.Time {
	return time.Date(2026, 12, 2, hour, minute, 0, 0, time.UTC)
}

func ptr[T any](v T) *T { return &v }

func testPage() Page {
	return Page{ID: "statusedge", Name: "Game servers", URL: "https://status.example.org", TimeZone: "Etc/UTC", UpdatedAt: at(10, 3)}
}

// worlds are three components, all operational, with status overridden by set.
func worlds(set map[string]ComponentStatus) []Component {
	created := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	cs := []Component{
		{ID: "eu", Name: "Europe", Description: "World Europe (eu.example.org)", Position: 1},
		{ID: "us", Name: "America", Position: 2},
		{ID: "asia", Name: "Asia", Position: 3},
	}
	for i := range cs {
		cs[i].Status = Operational
		if s, ok := set[cs[i].ID]; ok {
			cs[i].Status = s
		}
		cs[i].CreatedAt, cs[i].UpdatedAt = created, at(9, 0)
	}
	return cs
}

// pastOutage is an incident of last week, resolved.
func pastOutage() Incident {
	return Incident{
		ID: "20261125T0310Z", Name: "Europe offline", Status: Resolved, Impact: ImpactMajor,
		CreatedAt: time.Date(2026, 11, 25, 3, 10, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 25, 3, 52, 0, 0, time.UTC),
		StartedAt: time.Date(2026, 11, 25, 3, 10, 0, 0, time.UTC), ResolvedAt: ptr(time.Date(2026, 11, 25, 3, 52, 0, 0, time.UTC)),
		Components: []string{"eu"},
		Updates: []Update{
			{ID: "20261125T0310Z-2", Status: Resolved, Body: "Europe is back online.", CreatedAt: time.Date(2026, 11, 25, 3, 52, 0, 0, time.UTC), DisplayAt: time.Date(2026, 11, 25, 3, 52, 0, 0, time.UTC),
				Affected: []Affected{{Code: "eu", Name: "Europe", OldStatus: MajorOutage, NewStatus: Operational}}},
			{ID: "20261125T0310Z-1", Status: Investigating, Body: "Europe is offline.", CreatedAt: time.Date(2026, 11, 25, 3, 10, 0, 0, time.UTC), DisplayAt: time.Date(2026, 11, 25, 3, 10, 0, 0, time.UTC),
				Affected: []Affected{{Code: "eu", Name: "Europe", OldStatus: Operational, NewStatus: MajorOutage}}},
		},
	}
}

// lastWednesday is a recurring window that ended last week.
func lastWednesday() Maintenance {
	return Maintenance{
		Incident: Incident{
			ID: "m-20261125T0100Z", Name: "Weekly restart",
			CreatedAt: time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC),
			ResolvedAt: ptr(time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)), Components: []string{"eu", "us", "asia"},
			Updates: []Update{
				{ID: "m-20261125T0100Z-1", Status: IncidentStatus(Completed), Body: "The weekly restart is over.", CreatedAt: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC), DisplayAt: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)},
			},
		},
		ScheduledFor: time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC), ScheduledUntil: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC),
		Status: Completed,
	}
}

type situation struct {
	name     string
	in       Input
	wantInd  StatusIndicator
	wantDesc string
}

// situations are the four the documents are checked in.
func situations() []situation {
	return []situation{
		{
			name: "all-up",
			in: Input{Page: testPage(), Components: worlds(nil),
				Incidents: []Incident{pastOutage()}, Maintenances: []Maintenance{lastWednesday()}},
			wantInd: IndicatorNone, wantDesc: "All Systems Operational",
		},
		{
			name: "one-world-down",
			in: Input{Page: testPage(), Components: worlds(map[string]ComponentStatus{"us": MajorOutage}),
				Incidents: []Incident{{
					ID: "20261202T0958Z", Name: "America offline", Status: Investigating, Impact: ImpactMajor,
					CreatedAt: at(9, 58), UpdatedAt: at(9, 58), StartedAt: at(9, 58), Components: []string{"us"},
					Updates: []Update{{ID: "20261202T0958Z-1", Status: Investigating, Body: "America is offline.", CreatedAt: at(9, 58), DisplayAt: at(9, 58),
						Affected: []Affected{{Code: "us", Name: "America", OldStatus: Operational, NewStatus: MajorOutage}}}},
				}, pastOutage()},
				Maintenances: []Maintenance{lastWednesday()}},
			wantInd: IndicatorMajor, wantDesc: "Partial System Outage",
		},
		{
			name: "maintenance",
			in: Input{Page: testPage(), Components: worlds(map[string]ComponentStatus{"eu": UnderMaintenance}),
				Incidents: []Incident{pastOutage()},
				Maintenances: []Maintenance{
					{
						Incident: Incident{
							ID: "m-20261202T0930Z", Name: "Europe: database upgrade", CreatedAt: at(8, 0), UpdatedAt: at(9, 30),
							Components: []string{"eu"},
							Updates: []Update{
								{ID: "m-20261202T0930Z-2", Status: IncidentStatus(InProgress), Body: "Europe is down for its database upgrade until 11:00 UTC.", CreatedAt: at(9, 30), DisplayAt: at(9, 30),
									Affected: []Affected{{Code: "eu", Name: "Europe", OldStatus: Operational, NewStatus: UnderMaintenance}}},
								{ID: "m-20261202T0930Z-1", Status: IncidentStatus(Scheduled), Body: "Europe: database upgrade, 09:30-11:00 UTC.", CreatedAt: at(8, 0), DisplayAt: at(8, 0)},
							},
						},
						ScheduledFor: at(9, 30), ScheduledUntil: at(11, 0), Status: InProgress,
					},
					{
						Incident: Incident{
							ID: "m-20261203T0100Z", Name: "Weekly restart", CreatedAt: at(1, 0), UpdatedAt: at(1, 0),
							Components: []string{"eu", "us", "asia"},
							Updates:    []Update{{ID: "m-20261203T0100Z-1", Status: IncidentStatus(Scheduled), Body: "Every world restarts, 01:00-03:00 UTC.", CreatedAt: at(1, 0), DisplayAt: at(1, 0)}},
						},
						ScheduledFor: time.Date(2026, 12, 3, 1, 0, 0, 0, time.UTC), ScheduledUntil: time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC), Status: Scheduled,
					},
					lastWednesday(),
				}},
			wantInd: IndicatorMaintenance, wantDesc: "Service Under Maintenance",
		},
		{
			name: "incident-with-update",
			in: Input{Page: testPage(), Components: worlds(map[string]ComponentStatus{"asia": MajorOutage}),
				Incidents: []Incident{{
					ID: "20261202T0940Z", Name: "Asia offline: power failure", Status: Identified, Impact: ImpactCritical,
					CreatedAt: at(9, 40), UpdatedAt: at(9, 55), StartedAt: at(9, 40), Components: []string{"asia"},
					Updates: []Update{
						{ID: "20261202T0940Z-2", Status: Identified, Body: "A power failure in the data centre; the hosting company expects power back by 11:00 UTC.", CreatedAt: at(9, 55), DisplayAt: at(9, 55)},
						{ID: "20261202T0940Z-1", Status: Investigating, Body: "Asia is offline.", CreatedAt: at(9, 40), DisplayAt: at(9, 40),
							Affected: []Affected{{Code: "asia", Name: "Asia", OldStatus: Operational, NewStatus: MajorOutage}}},
					},
				}, pastOutage()},
				Maintenances: []Maintenance{lastWednesday()}},
			wantInd: IndicatorCritical, wantDesc: "Major Service Outage",
		},
	}
}

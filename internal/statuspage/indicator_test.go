package statuspage

import "testing"

func TestIndicator(t *testing.T) {
	open := func(impact Impact) Incident { return Incident{ID: "i", Status: Investigating, Impact: impact} }
	tests := []situation{
		{name: "no components", in: Input{}, wantInd: IndicatorNone, wantDesc: "All Systems Operational"},
		{name: "every world down", in: Input{Components: worlds(map[string]ComponentStatus{"eu": MajorOutage, "us": MajorOutage, "asia": MajorOutage})},
			wantInd: IndicatorCritical, wantDesc: "Major Service Outage"},
		{name: "partial outage", in: Input{Components: worlds(map[string]ComponentStatus{"us": PartialOutage})},
			wantInd: IndicatorMinor, wantDesc: "Minor Service Outage"},
		{name: "degraded", in: Input{Components: worlds(map[string]ComponentStatus{"us": DegradedPerformance})},
			wantInd: IndicatorMinor, wantDesc: "Partially Degraded Service"},
		{name: "down beats maintenance", in: Input{Components: worlds(map[string]ComponentStatus{"eu": UnderMaintenance, "us": MajorOutage})},
			wantInd: IndicatorMajor, wantDesc: "Partial System Outage"},
		{name: "maintenance in progress, worlds up", in: Input{Components: worlds(nil), Maintenances: []Maintenance{{Status: Verifying}}},
			wantInd: IndicatorMaintenance, wantDesc: "Service Under Maintenance"},
		{name: "maintenance only scheduled", in: Input{Components: worlds(nil), Maintenances: []Maintenance{{Status: Scheduled}}},
			wantInd: IndicatorNone, wantDesc: "All Systems Operational"},
		{name: "unresolved minor incident, worlds up", in: Input{Components: worlds(nil), Incidents: []Incident{open(ImpactMinor)}},
			wantInd: IndicatorMinor, wantDesc: "Minor Service Outage"},
		{name: "unresolved impact none", in: Input{Components: worlds(nil), Incidents: []Incident{open(ImpactNone)}},
			wantInd: IndicatorNone, wantDesc: "All Systems Operational"},
		{name: "incident lower than components", in: Input{Components: worlds(map[string]ComponentStatus{"us": MajorOutage}), Incidents: []Incident{open(ImpactMinor)}},
			wantInd: IndicatorMajor, wantDesc: "Partial System Outage"},
		{name: "resolved incident does not count", in: Input{Components: worlds(nil), Incidents: []Incident{{Status: Resolved, Impact: ImpactCritical}, {Status: Postmortem, Impact: ImpactCritical}}},
			wantInd: IndicatorNone, wantDesc: "All Systems Operational"},
	}
	tests = append(tests, situations()...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ind, desc := Indicator(tt.in)
			if ind != tt.wantInd || desc != tt.wantDesc {
				t.Errorf("Indicator = %q, %q; want %q, %q", ind, desc, tt.wantInd, tt.wantDesc)
			}
		})
	}
}

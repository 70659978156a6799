package statuspage

// StatusIndicator is status.indicator, the page's roll-up. (Named apart from the
// function Indicator, which computes it.)
type StatusIndicator string

// Indicators, in Statuspage's value set.
const (
	IndicatorNone        StatusIndicator = "none"
	IndicatorMinor       StatusIndicator = "minor"
	IndicatorMajor       StatusIndicator = "major"
	IndicatorCritical    StatusIndicator = "critical"
	IndicatorMaintenance StatusIndicator = "maintenance"
)

// Statuspage's own descriptions (status.description) of each indicator.
const (
	DescOperational = "All Systems Operational"
	DescMaintenance = "Service Under Maintenance"
	DescDegraded    = "Partially Degraded Service"
	DescMinor       = "Minor Service Outage"
	DescMajor       = "Partial System Outage"
	DescCritical    = "Major Service Outage"
)

// rank orders the indicators for the roll-up: maintenance is below every outage, so that
// it shows only when nothing is broken.
func (i StatusIndicator) rank() int {
	switch i {
	case IndicatorMaintenance:
		return 1
	case IndicatorMinor:
		return 2
	case IndicatorMajor:
		return 3
	case IndicatorCritical:
		return 4
	}
	return 0
}

// Indicator is the page's roll-up and its description. The rule, first match wins for
// the components:
//
//   - every component major_outage: critical, "Major Service Outage";
//   - any component major_outage: major, "Partial System Outage";
//   - any component partial_outage: minor, "Minor Service Outage";
//   - any component degraded_performance: minor, "Partially Degraded Service";
//   - any component under_maintenance: maintenance, "Service Under Maintenance";
//   - else none, "All Systems Operational".
//
// Then an unresolved incident (investigating, identified, monitoring) raises it to its
// impact (minor, major, critical, or maintenance) and a maintenance in progress or
// verifying to maintenance, each only when higher, in the order
// none < maintenance < minor < major < critical; the description is then that level's
// ("Minor Service Outage" for minor).
func Indicator(in Input) (StatusIndicator, string) {
	ind, desc := fromComponents(in.Components)
	raise := func(to StatusIndicator) {
		if to.rank() > ind.rank() {
			ind, desc = to, describe(to)
		}
	}
	for _, inc := range in.Incidents {
		if inc.Status.Unresolved() {
			raise(StatusIndicator(inc.Impact))
		}
	}
	for _, m := range in.Maintenances {
		if m.Status == InProgress || m.Status == Verifying {
			raise(IndicatorMaintenance)
		}
	}
	return ind, desc
}

func fromComponents(cs []Component) (StatusIndicator, string) {
	count := map[ComponentStatus]int{}
	for _, c := range cs {
		count[c.Status]++
	}
	switch {
	case len(cs) > 0 && count[MajorOutage] == len(cs):
		return IndicatorCritical, DescCritical
	case count[MajorOutage] > 0:
		return IndicatorMajor, DescMajor
	case count[PartialOutage] > 0:
		return IndicatorMinor, DescMinor
	case count[DegradedPerformance] > 0:
		return IndicatorMinor, DescDegraded
	case count[UnderMaintenance] > 0:
		return IndicatorMaintenance, DescMaintenance
	}
	return IndicatorNone, DescOperational
}

func describe(i StatusIndicator) string {
	switch i {
	case IndicatorMaintenance:
		return DescMaintenance
	case IndicatorMinor:
		return DescMinor
	case IndicatorMajor:
		return DescMajor
	case IndicatorCritical:
		return DescCritical
	}
	return DescOperational
}

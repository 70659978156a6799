// Package worldstate is one game world at a moment: what its status document, its badge, its
// minute of history and its Statuspage component say, decided once by At from the
// world's published status (the snapshot), its planned maintenance and the time. Every
// document of the world is a view of that Moment. No clock of its own, and no I/O but the
// plan's reads (PlanSource), through the stores it is given.
package worldstate

import (
	"time"

	"statusedge/internal/history"
	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
	"statusedge/internal/statuspage"
)

// Moment is what a world is at one moment.
type Moment struct {
	// State is the minute's state in the history: maintenance in a window whatever the
	// probe sees; up or down while the status is current; no data past its fresh_until
	// and before any status (nothing is known, which is never up nor down).
	State history.State
	// Status is the word the status document says at the moment (snapshot.StatusOnline,
	// StatusOffline, StatusMaintenance); "" before any status.
	Status string
	// Current says that the status is within its fresh_until.
	Current bool
	// CheckedAt is the probe round the status tells (its checked_at); zero before any.
	CheckedAt time.Time
	// Window is the window active at the moment; Next the first announced one; Upcoming
	// every announced one, soonest first (never nil).
	Window   *maintenance.Window
	Next     *maintenance.Window
	Upcoming []maintenance.Window
	// Component is the world's Statuspage component status, and Indicator the page's
	// roll-up were it the only world (incidents left out: they come from the record).
	// No current data is never a component status: past fresh_until the last word stands
	// (Statuspage has no "unknown", and degraded_performance would claim a degradation of
	// the game); before any status, operational.
	Component statuspage.ComponentStatus
	Indicator statuspage.StatusIndicator
	// Players is the status's count; nil without a current one.
	Players *int64
}

// At is the world at now, its published status being snap (nil before any) and its
// planned maintenance plan. The status word is the one a status published at now says
// (word, as Published gives it), so the document, its badge and this Moment never
// disagree.
func At(now time.Time, snap *snapshot.Snapshot, plan Plan) Moment {
	active, upcoming := plan.At(now)
	m := Moment{Window: active, Next: Next(upcoming), Upcoming: upcoming, State: history.NoData, Component: statuspage.Operational}
	if snap != nil {
		m.Status, m.Current, m.CheckedAt = word(snap.Online, m.Window), snap.Fresh(now), snap.CheckedAt
		if m.Current {
			m.Players = snap.Players
		}
	}
	switch {
	case m.Window != nil:
		m.State, m.Component = history.Maintenance, statuspage.UnderMaintenance
	case snap == nil:
		// No status yet: no data, and operational (nothing says otherwise).
	default:
		m.Component = outage(snap)
		if m.Current {
			m.State = history.Down
			if snap.Online {
				m.State = history.Up
			}
		}
	}
	m.Indicator, _ = statuspage.Indicator(statuspage.Input{Components: []statuspage.Component{{Status: m.Component}}})
	return m
}

// outage is the component status of a status outside a window: operational when online;
// an outage when offline, partial when some of the probe's targets still answered.
func outage(s *snapshot.Snapshot) statuspage.ComponentStatus {
	if s.Online {
		return statuspage.Operational
	}
	for _, t := range s.Probe {
		if t.OK {
			return statuspage.PartialOutage
		}
	}
	return statuspage.MajorOutage
}

package statuspage

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// The fields of the documents, filled / constant (README: "Statuspage API"):
//
//	page                   id, name, url, time_zone, updated_at: filled (Input.Page)
//	status                 indicator, description: filled (Indicator)
//	component              id, name, status, position, created_at, updated_at: filled
//	                       description: filled, null when empty
//	                       start_date: filled, created_at's date (YYYY-MM-DD, UTC)
//	                       page_id: filled, page.id
//	                       showcase: constant true (every world shows its uptime bar)
//	                       group_id: constant null; group, only_show_if_degraded: constant false
//	incident               id, name, status, impact, created_at, updated_at, resolved_at: filled
//	                       started_at: filled, created_at when not given
//	                       shortlink: filled, page.url + "/incidents/" + id when not given
//	                       monitoring_at: filled, the oldest update in status monitoring, else null
//	                       page_id: filled, page.id
//	                       incident_updates: filled, newest first
//	                       components: filled, the affected components as they are now
//	                       reminder_intervals: constant null
//	incident update        id, status, body, created_at, display_at: filled
//	                       affected_components: filled, [] when the update changed none
//	                       incident_id: filled, the incident's id; updated_at: = created_at
//	                       deliver_notifications: constant true
//	                       custom_tweet, tweet_id: constant null
//	affected component     code (the component's id), name, old_status, new_status: filled
//	scheduled maintenance  every incident field as above, and:
//	                       status: filled (scheduled, in_progress, verifying, completed)
//	                       impact: filled, "maintenance" when not given
//	                       scheduled_for, scheduled_until: filled
//	                       scheduled_auto_in_progress, scheduled_auto_completed: constant true
//	                       (statusedge's windows start and end by the clock)
//	                       scheduled_remind_prior: constant false
//	                       scheduled_reminded_at, impact_override: constant null
//
// Times are RFC 3339 in UTC with milliseconds ("2026-12-02T10:03:00.000Z").

// Document paths (nginx serves /<path>.json).
const (
	StatusPath       = "api/v2/status"
	SummaryPath      = "api/v2/summary"
	ComponentsPath   = "api/v2/components"
	IncidentsPath    = "api/v2/incidents"
	MaintenancesPath = "api/v2/scheduled-maintenances"
	// The lists real clients call beside the five (an npm client reads unresolved and
	// upcoming): each the page and the part of its parent's list in those statuses.
	UnresolvedPath = "api/v2/incidents/unresolved"
	UpcomingPath   = "api/v2/scheduled-maintenances/upcoming"
	ActivePath     = "api/v2/scheduled-maintenances/active"
)

// MaxIncidents is how many incidents incidents.json lists, newest first, as Statuspage's.
const MaxIncidents = 50

// Documents are the eight bodies by path (StatusPath, SummaryPath, ComponentsPath,
// IncidentsPath, MaintenancesPath, UnresolvedPath, UpcomingPath, ActivePath). Components are in Position order; incidents newest
// first by created_at; updates newest first by created_at; maintenances newest first by
// scheduled_for in scheduled-maintenances.json. summary.json lists only the unresolved
// incidents, and the maintenances scheduled, in progress or verifying, soonest first.
func Documents(in Input) map[string][]byte {
	page := pageJSON{in.Page.ID, in.Page.Name, in.Page.URL, in.Page.TimeZone, stamp(in.Page.UpdatedAt)}
	ind, desc := Indicator(in)
	status := statusJSON{ind, desc}

	comps := slices.Clone(in.Components)
	slices.SortStableFunc(comps, func(a, b Component) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.Name, b.Name))
	})
	byID := make(map[string]componentJSON, len(comps))
	components := make([]componentJSON, 0, len(comps))
	for _, c := range comps {
		j := component(in.Page.ID, c)
		byID[c.ID] = j
		components = append(components, j)
	}

	incs := slices.Clone(in.Incidents)
	slices.SortStableFunc(incs, func(a, b Incident) int { return b.CreatedAt.Compare(a.CreatedAt) })
	incidents := make([]incidentJSON, 0, len(incs))
	open := make([]incidentJSON, 0)
	for _, inc := range incs {
		j := incident(in.Page, byID, inc, string(inc.Status))
		incidents = append(incidents, j)
		if inc.Status.Unresolved() {
			open = append(open, j)
		}
	}
	incidents = incidents[:min(len(incidents), MaxIncidents)]

	ms := slices.Clone(in.Maintenances)
	slices.SortStableFunc(ms, func(a, b Maintenance) int { return b.ScheduledFor.Compare(a.ScheduledFor) })
	maintenances := make([]maintenanceJSON, 0, len(ms))
	active := make([]maintenanceJSON, 0)
	for _, m := range ms {
		j := maintenance(in.Page, byID, m)
		maintenances = append(maintenances, j)
		if m.Status != Completed {
			active = append(active, j)
		}
	}
	// summary.json says what is on now and next: the soonest first, so that a reader
	// that shows only the first shows the one in progress.
	slices.Reverse(active)
	upcoming, inProgress := make([]maintenanceJSON, 0), make([]maintenanceJSON, 0)
	for _, j := range active {
		if j.Status == string(Scheduled) {
			upcoming = append(upcoming, j)
		} else {
			inProgress = append(inProgress, j)
		}
	}
	type incidentList struct {
		Page      pageJSON       `json:"page"`
		Incidents []incidentJSON `json:"incidents"`
	}
	type maintenanceList struct {
		Page                  pageJSON          `json:"page"`
		ScheduledMaintenances []maintenanceJSON `json:"scheduled_maintenances"`
	}

	return map[string][]byte{
		StatusPath: encode(struct {
			Page   pageJSON   `json:"page"`
			Status statusJSON `json:"status"`
		}{page, status}),
		SummaryPath: encode(struct {
			Page                  pageJSON          `json:"page"`
			Components            []componentJSON   `json:"components"`
			Incidents             []incidentJSON    `json:"incidents"`
			ScheduledMaintenances []maintenanceJSON `json:"scheduled_maintenances"`
			Status                statusJSON        `json:"status"`
		}{page, components, open, active, status}),
		ComponentsPath: encode(struct {
			Page       pageJSON        `json:"page"`
			Components []componentJSON `json:"components"`
		}{page, components}),
		IncidentsPath:    encode(incidentList{page, incidents}),
		MaintenancesPath: encode(maintenanceList{page, maintenances}),
		UnresolvedPath:   encode(incidentList{page, open}),
		UpcomingPath:     encode(maintenanceList{page, upcoming}),
		ActivePath:       encode(maintenanceList{page, inProgress}),
	}
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only strings, numbers, booleans and stamps, whose MarshalJSON never fails.
		panic(fmt.Sprintf("encode statuspage document: %v", err))
	}
	return b
}

func component(pageID string, c Component) componentJSON {
	var desc *string
	if c.Description != "" {
		desc = &c.Description
	}
	start := c.CreatedAt.UTC().Format(time.DateOnly)
	return componentJSON{
		ID: c.ID, Name: c.Name, Status: c.Status,
		CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt),
		Position: c.Position, Description: desc, Showcase: true, StartDate: &start,
		PageID: pageID,
	}
}

// incident is inc as Statuspage writes it, with status written as given: an
// IncidentStatus, or a maintenance's MaintenanceStatus.
func incident(page Page, byID map[string]componentJSON, inc Incident, status string) incidentJSON {
	ups := slices.Clone(inc.Updates)
	slices.SortStableFunc(ups, func(a, b Update) int { return b.CreatedAt.Compare(a.CreatedAt) })
	updates := make([]updateJSON, 0, len(ups))
	var monitoring *stamp
	for _, u := range ups {
		affected := make([]affectedJSON, 0, len(u.Affected))
		for _, a := range u.Affected {
			affected = append(affected, affectedJSON(a))
		}
		updates = append(updates, updateJSON{
			ID: u.ID, Status: u.Status, Body: u.Body, IncidentID: inc.ID,
			CreatedAt: stamp(u.CreatedAt), UpdatedAt: stamp(u.CreatedAt), DisplayAt: stamp(u.DisplayAt),
			AffectedComponents: affected, DeliverNotifications: true,
		})
		if u.Status == Monitoring {
			monitoring = stampOf(&u.CreatedAt) // newest first: the last one seen is the oldest
		}
	}
	comps := make([]componentJSON, 0, len(inc.Components))
	for _, id := range inc.Components {
		if c, ok := byID[id]; ok {
			comps = append(comps, c)
		}
	}
	started := inc.StartedAt
	if started.IsZero() {
		started = inc.CreatedAt
	}
	short := inc.Link(page)
	return incidentJSON{
		ID: inc.ID, Name: inc.Name, Status: status,
		CreatedAt: stamp(inc.CreatedAt), UpdatedAt: stamp(inc.UpdatedAt),
		MonitoringAt: monitoring, ResolvedAt: stampOf(inc.ResolvedAt),
		Impact: inc.Impact, Shortlink: short, StartedAt: stamp(started), PageID: page.ID,
		IncidentUpdates: updates, Components: comps,
	}
}

func maintenance(page Page, byID map[string]componentJSON, m Maintenance) maintenanceJSON {
	inc := m.Incident
	if inc.Impact == "" {
		inc.Impact = ImpactMaintenance
	}
	return maintenanceJSON{
		incidentJSON:   incident(page, byID, inc, string(m.Status)),
		ScheduledFor:   stamp(m.ScheduledFor),
		ScheduledUntil: stamp(m.ScheduledUntil),
		// statusedge's windows start and end by the clock, with no one to press a button.
		ScheduledAutoInProgress: true,
		ScheduledAutoCompleted:  true,
	}
}

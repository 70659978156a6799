// Package statuspage renders statusedge's state as the Atlassian Statuspage public API v2
// (/api/v2/status.json, summary.json, components.json, incidents.json,
// incidents/unresolved.json, scheduled-maintenances.json and its upcoming.json and
// active.json) and the pages their shortlinks open, so that the tools that already read
// any Statuspage (Prometheus statuspage exporters, status aggregators, home-automation
// integrations) read statusedge unchanged. Field names and value sets are Statuspage's; the JSON
// Schemas in schema/ say where they were taken from.
package statuspage

import "time"

// Page is the page block every document begins with.
type Page struct {
	ID, Name, URL string
	// TimeZone is an IANA name, "Etc/UTC" as most Statuspage pages say; the documents
	// write every time in UTC whatever it says.
	TimeZone  string
	UpdatedAt time.Time
}

// ComponentStatus is a component's status (one per world in statusedge).
type ComponentStatus string

// Component statuses, as Statuspage spells them.
const (
	Operational         ComponentStatus = "operational"
	DegradedPerformance ComponentStatus = "degraded_performance"
	PartialOutage       ComponentStatus = "partial_outage"
	MajorOutage         ComponentStatus = "major_outage"
	UnderMaintenance    ComponentStatus = "under_maintenance"
)

// IncidentStatus is an incident's or an incident update's status.
type IncidentStatus string

// Incident statuses; the first three are unresolved.
const (
	Investigating IncidentStatus = "investigating"
	Identified    IncidentStatus = "identified"
	Monitoring    IncidentStatus = "monitoring"
	Resolved      IncidentStatus = "resolved"
	Postmortem    IncidentStatus = "postmortem"
)

// Unresolved says whether an incident in status s is still open: summary.json lists only
// these, and only these raise the indicator.
func (s IncidentStatus) Unresolved() bool {
	return s == Investigating || s == Identified || s == Monitoring
}

// Impact is an incident's impact.
type Impact string

// Impacts; ImpactMaintenance is a scheduled maintenance's.
const (
	ImpactNone        Impact = "none"
	ImpactMinor       Impact = "minor"
	ImpactMajor       Impact = "major"
	ImpactCritical    Impact = "critical"
	ImpactMaintenance Impact = "maintenance"
)

// MaintenanceStatus is a scheduled maintenance's status.
type MaintenanceStatus string

// Maintenance statuses.
const (
	Scheduled  MaintenanceStatus = "scheduled"
	InProgress MaintenanceStatus = "in_progress"
	Verifying  MaintenanceStatus = "verifying"
	Completed  MaintenanceStatus = "completed"
)

// Component is one component; statusedge has one per world.
type Component struct {
	ID, Name, Description string // Description "" is written as null, as Statuspage does
	Status                ComponentStatus
	Position              int // order in the lists, from 1
	CreatedAt, UpdatedAt  time.Time
}

// Incident is one incident of the last 90 days.
type Incident struct {
	ID, Name string
	NameRU   string // the name in Russian, for the incident's page (Pages); not in the JSON
	Status   IncidentStatus
	Impact   Impact
	// StartedAt zero is written as CreatedAt (Statuspage's default).
	CreatedAt, UpdatedAt, StartedAt time.Time
	ResolvedAt                      *time.Time
	// Shortlink "" is written as the page's URL + "/incidents/" + ID.
	Shortlink  string
	Components []string // IDs of the affected components; IDs not in Input.Components are left out
	Updates    []Update // newest first
}

// Link is the incident's shortlink on page: its Shortlink, else the page's URL +
// "/incidents/" + ID (the page Pages writes for it). The feeds' entries use it too.
func (inc Incident) Link(page Page) string {
	if inc.Shortlink != "" {
		return inc.Shortlink
	}
	return page.URL + "/incidents/" + inc.ID
}

// Update is one message of an incident or a maintenance. In a Maintenance's updates,
// Status holds a MaintenanceStatus (IncidentStatus(InProgress)): Statuspage writes the
// maintenance's own value set there.
type Update struct {
	ID                   string
	Status               IncidentStatus
	Body                 string
	BodyRU               string // the body in Russian, for the incident's page; not in the JSON
	CreatedAt, DisplayAt time.Time
	Affected             []Affected
}

// Affected is a component's change of status announced by an update.
type Affected struct {
	Code, Name           string // Code is the component's ID
	OldStatus, NewStatus ComponentStatus
}

// Maintenance is a scheduled maintenance: an incident with a window and its own status.
// The embedded Incident's Status is not used; its Impact "" is written as "maintenance".
type Maintenance struct {
	Incident
	ScheduledFor, ScheduledUntil time.Time
	Status                       MaintenanceStatus
}

// Input is everything the documents say.
type Input struct {
	Page         Page
	Components   []Component
	Incidents    []Incident    // of the last 90 days, any status
	Maintenances []Maintenance // active, upcoming and recently completed
}

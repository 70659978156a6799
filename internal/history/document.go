// Package history records every minute of a world as up, down, maintenance or no data,
// in Redis, and builds from the record the history document: days, uptime, incidents.
package history

import (
	"time"

	"statusedge/internal/maintenance"
)

// State is one minute's record: two bits in Redis. The order is the precedence when two
// writers record one minute differently: the bigger state wins (maintenance over down
// over up over nothing), so a minute is counted once whatever the order of the writes.
type State uint8

const (
	NoData      State = 0
	Up          State = 1
	Down        State = 2
	Maintenance State = 3
)

// Day is one UTC day's minutes; today's counts only the minutes up to now.
type Day struct {
	Date        string `json:"date"` // YYYY-MM-DD, UTC
	Up          int    `json:"up"`
	Down        int    `json:"down"`
	Maintenance int    `json:"maintenance"`
	NoData      int    `json:"no_data"`
	// Uptime is 100 * (1 - down/(up+down)), floored to two decimals; null when up+down is 0.
	Uptime *float64 `json:"uptime"`
	// Incidents is how many incidents began this day, listed in full or not.
	Incidents int `json:"incidents"`
}

// Uptime is the uptime of the last 24 h, 7, 30 and 90 days (minutes ending now), by Day's
// formula; null where no minute was up or down, or where the record covers less than
// MinCoverage of the window (Coverage).
type Uptime struct {
	H24 *float64 `json:"24h"`
	D7  *float64 `json:"7d"`
	D30 *float64 `json:"30d"`
	D90 *float64 `json:"90d"`
}

// Coverage is, for each of Uptime's windows, the share of its minutes the record holds
// (up, down or maintenance: no data is the rest), 0 to 1, four decimals.
type Coverage struct {
	H24 float64 `json:"24h"`
	D7  float64 `json:"7d"`
	D30 float64 `json:"30d"`
	D90 float64 `json:"90d"`
}

// MinCoverage is the least share of a window's minutes an uptime figure stands on: below
// it the figure is null ("n/a"). Why: three minutes of data with one down read "66.67%
// over 30 days" (issue 30); 1% is a quarter of an hour of a day, 7.2 hours of 30 days.
const MinCoverage = 0.01

// Incident is one offline period outside maintenance: a run of down minutes (no-data
// minutes between two down ones join them, and are not counted as down).
type Incident struct {
	ID        string     `json:"id"` // its first minute, UTC: 20061102T1504Z
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"` // null while ongoing: the first minute not down
	// Minutes is EndedAt (or now, while ongoing) less StartedAt, in whole minutes.
	Minutes int  `json:"duration_minutes"`
	Ongoing bool `json:"ongoing"`
	// Title and Updates are the operator's (snapshotter incident ...); null and [] without.
	Title   *maintenance.Text `json:"title"`
	Updates []Update          `json:"updates"`
}

// Update is an operator's message on an incident.
type Update struct {
	At      time.Time        `json:"at"`
	Message maintenance.Text `json:"message"`
}

// Planned is the maintenance part of the history document.
type Planned struct {
	Active   *maintenance.Window  `json:"active"`
	Upcoming []maintenance.Window `json:"upcoming"` // starting within maintenance.Announce
}

// Document is the history document (/api/server/history.json, or a world's
// /api/worlds/<id>/history.json).
type Document struct {
	World       string    `json:"world"` // "" without a worlds file
	GeneratedAt time.Time `json:"generated_at"`
	Days        []Day     `json:"days"` // 90, oldest first; the last is today so far
	Uptime      Uptime    `json:"uptime"`
	Coverage    Coverage  `json:"coverage"`
	// DataSince is the first minute of the 90 days the record holds; null with none.
	DataSince *time.Time `json:"data_since"`
	Incidents []Incident `json:"incidents"` // the newest MaxIncidents of the last 90 days, newest first
	// IncidentsTotal counts every incident of the last 90 days; IncidentsOmitted those
	// left out of Incidents (counted in their Day only).
	IncidentsTotal   int     `json:"incidents_total"`
	IncidentsOmitted int     `json:"incidents_omitted"`
	Maintenance      Planned `json:"maintenance"`
}

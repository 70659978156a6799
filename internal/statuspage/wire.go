package statuspage

import "time"

// stamp is a time as Statuspage writes it: RFC 3339 with milliseconds
// ("2026-12-02T10:03:00.000Z"), always in UTC as Statuspage's Etc/UTC pages write
// them: a reader parses an offset either way, and one zone keeps the documents comparable.
type stamp time.Time

const stampLayout = "2006-01-02T15:04:05.000Z07:00"

func (s stamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(s).UTC().Format(stampLayout) + `"`), nil
}

func stampOf(t *time.Time) *stamp {
	if t == nil {
		return nil
	}
	s := stamp(*t)
	return &s
}

type pageJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	TimeZone  string `json:"time_zone"`
	UpdatedAt stamp  `json:"updated_at"`
}

type componentJSON struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	Status             ComponentStatus `json:"status"`
	CreatedAt          stamp           `json:"created_at"`
	UpdatedAt          stamp           `json:"updated_at"`
	Position           int             `json:"position"`
	Description        *string         `json:"description"`
	Showcase           bool            `json:"showcase"`
	StartDate          *string         `json:"start_date"`
	GroupID            *string         `json:"group_id"`
	PageID             string          `json:"page_id"`
	Group              bool            `json:"group"`
	OnlyShowIfDegraded bool            `json:"only_show_if_degraded"`
}

type affectedJSON struct {
	Code      string          `json:"code"`
	Name      string          `json:"name"`
	OldStatus ComponentStatus `json:"old_status"`
	NewStatus ComponentStatus `json:"new_status"`
}

type updateJSON struct {
	ID                   string         `json:"id"`
	Status               IncidentStatus `json:"status"`
	Body                 string         `json:"body"`
	IncidentID           string         `json:"incident_id"`
	CreatedAt            stamp          `json:"created_at"`
	UpdatedAt            stamp          `json:"updated_at"`
	DisplayAt            stamp          `json:"display_at"`
	AffectedComponents   []affectedJSON `json:"affected_components"`
	DeliverNotifications bool           `json:"deliver_notifications"`
	CustomTweet          *string        `json:"custom_tweet"`
	TweetID              *string        `json:"tweet_id"`
}

// incidentJSON is an incident; a scheduled maintenance is one with maintenanceJSON's
// fields after it.
type incidentJSON struct {
	ID                string          `json:"id"`
	Name              string          `json:"name"`
	Status            string          `json:"status"`
	CreatedAt         stamp           `json:"created_at"`
	UpdatedAt         stamp           `json:"updated_at"`
	MonitoringAt      *stamp          `json:"monitoring_at"`
	ResolvedAt        *stamp          `json:"resolved_at"`
	Impact            Impact          `json:"impact"`
	Shortlink         string          `json:"shortlink"`
	StartedAt         stamp           `json:"started_at"`
	PageID            string          `json:"page_id"`
	IncidentUpdates   []updateJSON    `json:"incident_updates"`
	Components        []componentJSON `json:"components"`
	ReminderIntervals *string         `json:"reminder_intervals"`
}

type maintenanceJSON struct {
	incidentJSON
	ScheduledFor            stamp   `json:"scheduled_for"`
	ScheduledUntil          stamp   `json:"scheduled_until"`
	ScheduledRemindPrior    bool    `json:"scheduled_remind_prior"`
	ScheduledRemindedAt     *stamp  `json:"scheduled_reminded_at"`
	ImpactOverride          *string `json:"impact_override"`
	ScheduledAutoInProgress bool    `json:"scheduled_auto_in_progress"`
	ScheduledAutoCompleted  bool    `json:"scheduled_auto_completed"`
}

type statusJSON struct {
	Indicator   StatusIndicator `json:"indicator"`
	Description string          `json:"description"`
}

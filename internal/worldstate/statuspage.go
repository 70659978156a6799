package worldstate

import (
	"cmp"
	"strconv"
	"time"

	"statusedge/internal/history"
	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
	"statusedge/internal/statuspage"
)

// Report is one world as the Statuspage documents see it: who it is, its Moment, and what
// its record says.
type Report struct {
	Layout         snapshot.Layout
	NameEN, NameRU string
	Moment         Moment
	Incidents      []history.Incident // the history document's
	First          time.Time          // the first recorded minute of the record; zero for none
	// Seen is when the file's windows were first published, by maintenance.SeenField.
	Seen map[string]time.Time
}

// Statuspage is what the Statuspage documents say of the worlds at now: one component
// per world, its incidents and its maintenance windows. The page's updated_at is the
// newest change among them, so the documents change only when something does.
func Statuspage(page statuspage.Page, worlds []Report, now time.Time) statuspage.Input {
	in := statuspage.Input{Page: page}
	in.Page.UpdatedAt = time.Time{}
	for i, r := range worlds {
		c := component(r, i, now)
		in.Components = append(in.Components, c)
		nameRU := cmp.Or(r.NameRU, r.NameEN, "Игровой сервер")
		for _, inc := range r.Incidents {
			in.Incidents = append(in.Incidents, incident(c, nameRU, inc))
		}
		if w := r.Moment.Window; w != nil {
			in.Maintenances = append(in.Maintenances, planned(c, *w, statuspage.InProgress, created(r, *w, now)))
		}
		for _, w := range r.Moment.Upcoming {
			in.Maintenances = append(in.Maintenances, planned(c, w, statuspage.Scheduled, created(r, w, now)))
		}
		if c.UpdatedAt.After(in.Page.UpdatedAt) {
			in.Page.UpdatedAt = c.UpdatedAt
		}
	}
	if in.Page.UpdatedAt.IsZero() {
		in.Page.UpdatedAt = now // no world: nothing older to tell
	}
	return in
}

// ComponentID is a world's component id: its id, "server" without a worlds file.
func ComponentID(l snapshot.Layout) string {
	if l.World == "" {
		return "server"
	}
	return l.World
}

// created is when window w was created: when the command that made it ran, else when a
// replica first published it, else (its first publish is this one) now.
func created(r Report, w maintenance.Window, now time.Time) time.Time {
	if !w.Created.IsZero() {
		return w.Created
	}
	if t, ok := r.Seen[maintenance.SeenField(w)]; ok {
		return t
	}
	return now
}

// component is a world as a Statuspage component: its status is the Moment's; the
// description says the window's message, or since when nothing is current ("No status
// published yet" before any). That the documents as a whole are not current is told by
// their publish window and page.updated_at.
func component(r Report, position int, now time.Time) statuspage.Component {
	m := r.Moment
	c := statuspage.Component{ID: ComponentID(r.Layout), Name: cmp.Or(r.NameEN, "Game server"), Position: position + 1, Status: m.Component}
	switch {
	case m.Window != nil:
		c.Description = m.Window.Message.EN
	case m.Status == "":
		c.Description = "No status published yet."
	case !m.Current:
		c.Description = "No current status since " + m.CheckedAt.UTC().Format(time.RFC3339) + "."
	}
	// created_at: the first minute of the record (now before any); updated_at: the last
	// change the record or the plan tells (an incident's start or end, a window's start).
	c.CreatedAt, c.UpdatedAt = r.First, time.Time{}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	for _, inc := range r.Incidents {
		if t := inc.StartedAt; t.After(c.UpdatedAt) {
			c.UpdatedAt = t
		}
		if inc.EndedAt != nil && inc.EndedAt.After(c.UpdatedAt) {
			c.UpdatedAt = *inc.EndedAt
		}
	}
	if m.Window != nil && m.Window.From.After(c.UpdatedAt) {
		c.UpdatedAt = m.Window.From
	}
	if c.UpdatedAt.Before(c.CreatedAt) {
		c.UpdatedAt = c.CreatedAt
	}
	return c
}

// incident is a history incident as a Statuspage incident of component c: investigating
// while ongoing (identified once an operator wrote), resolved after; its updates are the
// operator's messages between the start and, once over, the end.
func incident(c statuspage.Component, nameRU string, inc history.Incident) statuspage.Incident {
	name, ru := c.Name+" is offline", nameRU+": нет связи"
	if inc.Title != nil && inc.Title.EN != "" {
		name, ru = inc.Title.EN, cmp.Or(inc.Title.RU, inc.Title.EN)
	}
	status := statuspage.Investigating
	if len(inc.Updates) > 0 {
		status = statuspage.Identified
	}
	affected := func(from, to statuspage.ComponentStatus) []statuspage.Affected {
		return []statuspage.Affected{{Code: c.ID, Name: c.Name, OldStatus: from, NewStatus: to}}
	}
	id := c.ID + "-" + inc.ID
	ups := []statuspage.Update{{ID: id + "-0", Status: statuspage.Investigating, Body: c.Name + " stopped answering.",
		BodyRU: nameRU + " перестал отвечать.", CreatedAt: inc.StartedAt, DisplayAt: inc.StartedAt, Affected: affected(statuspage.Operational, statuspage.MajorOutage)}}
	for i, u := range inc.Updates {
		ups = append(ups, statuspage.Update{ID: id + "-" + strconv.Itoa(i+1), Status: statuspage.Identified, Body: u.Message.EN,
			BodyRU: cmp.Or(u.Message.RU, u.Message.EN), CreatedAt: u.At, DisplayAt: u.At, Affected: affected(statuspage.MajorOutage, statuspage.MajorOutage)})
	}
	out := statuspage.Incident{ID: id, Name: name, NameRU: ru, Status: status, Impact: statuspage.ImpactMajor,
		CreatedAt: inc.StartedAt, StartedAt: inc.StartedAt, UpdatedAt: ups[len(ups)-1].CreatedAt, Components: []string{c.ID}}
	if inc.EndedAt != nil {
		end := *inc.EndedAt
		out.Status, out.ResolvedAt, out.UpdatedAt = statuspage.Resolved, &end, end
		ups = append(ups, statuspage.Update{ID: id + "-end", Status: statuspage.Resolved, Body: c.Name + " is back online.",
			BodyRU: nameRU + " снова отвечает.", CreatedAt: end, DisplayAt: end, Affected: affected(statuspage.MajorOutage, statuspage.Operational)})
	}
	// Newest first, as Statuspage lists them.
	for i, j := 0, len(ups)-1; i < j; i, j = i+1, j-1 {
		ups[i], ups[j] = ups[j], ups[i]
	}
	out.Updates = ups
	return out
}

// planned is a maintenance window of component c: created, with its first update, at
// created (when the command ran, or its first publish: never earlier); in progress from
// its start (or its creation, when created inside it), with an update saying so.
func planned(c statuspage.Component, w maintenance.Window, status statuspage.MaintenanceStatus, created time.Time) statuspage.Maintenance {
	id := c.ID + "-m" + strconv.FormatInt(w.From.Unix(), 10)
	name, ru := w.Message.EN, cmp.Or(w.Message.RU, w.Message.EN)
	if name == "" {
		name, ru = "Planned maintenance", "Плановые работы"
	}
	affected := []statuspage.Affected{{Code: c.ID, Name: c.Name, OldStatus: statuspage.Operational, NewStatus: statuspage.UnderMaintenance}}
	ups := []statuspage.Update{{ID: id + "-0", Status: statuspage.IncidentStatus(statuspage.Scheduled), Body: name, BodyRU: ru,
		CreatedAt: created, DisplayAt: created, Affected: affected}}
	updated := created
	if status == statuspage.InProgress {
		started := w.From
		if created.After(started) {
			started = created
		}
		ups = append([]statuspage.Update{{ID: id + "-1", Status: statuspage.IncidentStatus(statuspage.InProgress), Body: "The maintenance is in progress.",
			BodyRU: "Идут технические работы.", CreatedAt: started, DisplayAt: started, Affected: affected}}, ups...)
		updated = started
	}
	inc := statuspage.Incident{ID: id, Name: name, NameRU: ru, Status: statuspage.IncidentStatus(status), Impact: statuspage.ImpactMaintenance,
		CreatedAt: created, StartedAt: w.From, UpdatedAt: updated, Components: []string{c.ID}, Updates: ups}
	return statuspage.Maintenance{Incident: inc, ScheduledFor: w.From, ScheduledUntil: w.Until, Status: status}
}

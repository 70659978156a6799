package main

import (
	"cmp"
	"strconv"
	"time"

	"statusedge/internal/history"
	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
	"statusedge/internal/statuspage"
)

// statuspageInput is what the Statuspage documents say of the worlds: one component per
// world, its incidents and its maintenance windows, each as this replica's copies and the
// record say at now. The page's updated_at is the newest change among them, so the
// documents change only when something does.
func statuspageInput(page statuspage.Page, views []view, now time.Time) statuspage.Input {
	in := statuspage.Input{Page: page}
	in.Page.UpdatedAt = time.Time{}
	for i, v := range views {
		c := component(v, i, now)
		in.Components = append(in.Components, c)
		for _, inc := range v.doc.Incidents {
			in.Incidents = append(in.Incidents, incident(c, cmp.Or(v.w.setup.nameRU, v.w.setup.nameEN, "Игровой сервер"), inc))
		}
		if v.active != nil {
			in.Maintenances = append(in.Maintenances, planned(c, *v.active, statuspage.InProgress, created(v, *v.active, now)))
		}
		for _, w := range v.next {
			in.Maintenances = append(in.Maintenances, planned(c, w, statuspage.Scheduled, created(v, w, now)))
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

// created is when window w was created: when the command that made it ran, else when a
// replica first published it, else (its first publish is this one) now.
func created(v view, w maintenance.Window, now time.Time) time.Time {
	if !w.Created.IsZero() {
		return w.Created
	}
	if t, ok := v.seen[maintenance.SeenField(w)]; ok {
		return t
	}
	return now
}

// component is a world as a Statuspage component. Its status: under maintenance in a
// window; operational when its status says online; an outage when offline, partial when
// some of the probe's targets still answer. A status past fresh_until keeps its last
// word, and the description says since when nothing is current (Statuspage has no
// "unknown": degraded_performance would claim a degradation of the game); before any
// status, operational, "No status published yet". That the documents as a whole are
// not current is told by their window (publishStatuspage) and page.updated_at.
func component(v view, position int, now time.Time) statuspage.Component {
	l := v.w.setup.layout
	c := statuspage.Component{ID: componentID(l), Name: v.w.setup.nameEN, Position: position + 1}
	if c.Name == "" {
		c.Name = "Game server"
	}
	s := v.snap
	switch {
	case v.active != nil:
		c.Status, c.Description = statuspage.UnderMaintenance, v.active.Message.EN
	case s == nil:
		c.Status, c.Description = statuspage.Operational, "No status published yet."
	case s.Online:
		c.Status = statuspage.Operational
	case someAnswer(s):
		c.Status = statuspage.PartialOutage
	default:
		c.Status = statuspage.MajorOutage
	}
	if s != nil && v.active == nil && !s.Fresh(now) {
		c.Description = "No current status since " + s.CheckedAt.UTC().Format(time.RFC3339) + "."
	}
	// created_at: the first minute of the record (now before any); updated_at: the last
	// change the record or the plan tells (an incident's start or end, a window's start).
	c.CreatedAt, c.UpdatedAt = v.first, time.Time{}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	for _, inc := range v.doc.Incidents {
		if t := inc.StartedAt; t.After(c.UpdatedAt) {
			c.UpdatedAt = t
		}
		if inc.EndedAt != nil && inc.EndedAt.After(c.UpdatedAt) {
			c.UpdatedAt = *inc.EndedAt
		}
	}
	if v.active != nil && v.active.From.After(c.UpdatedAt) {
		c.UpdatedAt = v.active.From
	}
	if c.UpdatedAt.Before(c.CreatedAt) {
		c.UpdatedAt = c.CreatedAt
	}
	return c
}

func componentID(l snapshot.Layout) string {
	if l.World == "" {
		return "server"
	}
	return l.World
}

// someAnswer reports whether any probe target answered in the last round.
func someAnswer(s *snapshot.Snapshot) bool {
	for _, t := range s.Probe {
		if t.OK {
			return true
		}
	}
	return false
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

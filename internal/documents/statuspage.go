package documents

import (
	"time"

	"statusedge/internal/statuspage"
	"statusedge/internal/worldstate"
)

// statuspageInput is the Statuspage documents' input of the historian's views: each
// world's Moment of the pass and its record, mapped by worldstate.Statuspage.
func statuspageInput(page statuspage.Page, views []view, now time.Time) statuspage.Input {
	rs := make([]worldstate.Report, len(views))
	for i, v := range views {
		w := v.w
		rs[i] = worldstate.Report{Layout: w.Layout, NameEN: w.NameEN, NameRU: w.NameRU, Moment: v.moment,
			Incidents: v.doc.Incidents, First: v.first, Seen: v.seen}
	}
	return worldstate.Statuspage(page, rs, now)
}

package worldstate

import (
	"slices"
	"time"

	"statusedge/internal/maintenance"
)

// Listed is a window of a listing with where it comes from: "command line", "file" or
// "file, recurring".
type Listed struct {
	maintenance.Window
	Source string
}

// Listing is the plan as `snapshotter maintenance list` shows it: the window active at now,
// if any (the one At gives, so the list and the status never disagree), and every window
// starting after now within span, each with its source.
func (p Plan) Listing(now time.Time, span time.Duration) (active *Listed, next []Listed) {
	source := func(w maintenance.Window) string {
		switch {
		case w.Recurring:
			return "file, recurring"
		case slices.ContainsFunc(p.Command, func(c maintenance.Window) bool { return sameWindow(c, w) }):
			return "command line"
		}
		return "file"
	}
	if w, _ := p.At(now); w != nil {
		active = &Listed{*w, source(*w)}
	}
	// Windows overlaps [from, to): a window starting at now+span is listed too.
	for _, w := range p.Schedule().Windows(now, now.Add(span).Add(time.Nanosecond)) {
		if w.From.After(now) {
			next = append(next, Listed{w, source(w)})
		}
	}
	return active, next
}

func sameWindow(a, b maintenance.Window) bool {
	return a.From.Equal(b.From) && a.Until.Equal(b.Until) && a.Message == b.Message && a.Recurring == b.Recurring
}

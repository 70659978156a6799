package worldstate

import (
	"time"

	"statusedge/internal/maintenance"
)

// Plan is a world's planned maintenance as one replica knows it: the maintenance file's
// schedule for the world and the command line's windows (kept in Redis). Every program
// that asks which window holds a moment asks it here.
type Plan struct {
	File    maintenance.Schedule
	Command []maintenance.Window
}

// Schedule is the file's windows with the command line's.
func (p Plan) Schedule() maintenance.Schedule { return p.File.With(p.Command...) }

// At is the window active at now (nil outside one) and the windows announced (starting
// within maintenance.Announce, soonest first, never nil).
func (p Plan) At(now time.Time) (active *maintenance.Window, upcoming []maintenance.Window) {
	s := p.Schedule()
	return s.Active(now), s.Upcoming(now)
}

// Next is the first of upcoming, nil when none: the status's next_maintenance.
func Next(upcoming []maintenance.Window) *maintenance.Window {
	if len(upcoming) == 0 {
		return nil
	}
	return &upcoming[0]
}

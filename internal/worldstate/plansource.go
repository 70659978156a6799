package worldstate

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"statusedge/internal/maintenance"
)

// PlanSource is one world's planned maintenance as this replica knows it: the maintenance
// file's windows (STATUS_MAINTENANCE_FILE, read at start and again when it changes, within
// maintenance.Reread) and the command line's (in Redis, read again by the leader's
// minutes every tick, and by every replica's historian with each of its passes). Every replica keeps one: the leader to publish
// the status and record the minutes, every replica for the documents it builds.
type PlanSource struct {
	files   fileSchedules // shared by the worlds
	world   string
	store   windowStore
	timeout time.Duration
	log     *slog.Logger

	mu  sync.Mutex
	cli []maintenance.Window // the command line's windows as last read
	err error                // the last read's error; the windows before it stay
}

// fileSchedules is the maintenance file as last read well (a *maintenance.FileWatch).
type fileSchedules interface {
	Schedule(world string) maintenance.Schedule
	Err() error
}

// windowStore is where the command line keeps its windows (a *maintenance.Store).
type windowStore interface {
	Windows(ctx context.Context) ([]maintenance.Window, error)
}

// NewPlanSource is world's plan from files (shared by the worlds) and store, each read of
// store bounded by timeout.
func NewPlanSource(files fileSchedules, world string, store windowStore, timeout time.Duration, log *slog.Logger) *PlanSource {
	return &PlanSource{files: files, world: world, store: store, timeout: timeout, log: log}
}

// At is the window active at now (nil outside one) and the next one announced (starting
// within maintenance.Announce; nil when none), as Plan says them.
func (p *PlanSource) At(now time.Time) (active, next *maintenance.Window) {
	active, upcoming := p.Plan().At(now)
	return active, Next(upcoming)
}

// Plan is the file's windows and the command line's as last read.
func (p *PlanSource) Plan() Plan {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Plan{File: p.files.Schedule(p.world), Command: p.cli}
}

// FileErr is why the maintenance file as it stands is refused (nil when it is good): the
// last good plan stays in force until it is good again.
func (p *PlanSource) FileErr() error { return p.files.Err() }

// Poll reads the command line's windows once. A failed read keeps the last windows:
// a window is never cut short by a Redis hiccup.
func (p *PlanSource) Poll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	ws, err := p.store.Windows(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if p.err == nil {
			p.log.Warn("read the command line's maintenance windows: the last ones stand", "err", err)
		}
		p.err = err
		return
	}
	p.cli, p.err = ws, nil
}

// WindowKey tells two windows apart: a change of the active or the next window is news
// for the status.
func WindowKey(w *maintenance.Window) string {
	if w == nil {
		return ""
	}
	return w.From.UTC().Format(time.RFC3339Nano) + "/" + w.Until.UTC().Format(time.RFC3339Nano)
}

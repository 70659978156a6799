// Package documents publishes, on every replica, the documents made from the record and
// the status copies: each world's history and uptime badges, the Statuspage documents
// and pages of all worlds (Historian), and the worlds index (Index). It reads Redis and
// this replica's own status copies, never the database; package main builds a World for
// each game world and runs both.
package documents

import (
	"context"
	"log/slog"
	"time"

	"statusedge/internal/history"
	"statusedge/internal/maintenance"
	"statusedge/internal/samples"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// World is one game world as the documents see it: who it is, where its documents go,
// and how to read its status copy, its plan and its record.
type World struct {
	Layout         snapshot.Layout
	NameEN, NameRU string
	Copy           Copy
	Record         Record
	// Plan is the file's windows and the command line's as last read.
	Plan func() worldstate.Plan
	// Poll reads the command line's windows again; a failed read keeps the last ones.
	Poll func(ctx context.Context)
	Seen *maintenance.Seen // when each window was first published; nil: not kept
	// Samples are the world's players and answer-time samples; nil: not kept.
	Samples Samples
	Log     *slog.Logger
}

// Copy is the world's status copy in this replica's STATUS_DIR.
type Copy interface {
	// Current is the copy's snapshot (nil before any) and its body.
	Current() (*snapshot.Snapshot, []byte)
}

// Record is the world's history in Redis, as the documents read it.
type Record interface {
	Minutes(ctx context.Context, from, to time.Time) ([]history.State, error)
	Notes(ctx context.Context) (map[string]history.Note, error)
	Flips(ctx context.Context) ([]history.Flip, error)
}

// Samples is the world's samples in Redis (samples.Store), as the players document reads them.
type Samples interface {
	Since(ctx context.Context, from, now time.Time) (players, answer []samples.Sample, err error)
	Daily(ctx context.Context) (map[string]samples.Day, error)
}

// current is the world's status copy's snapshot; nil before any.
func (w *World) current() *snapshot.Snapshot {
	s, _ := w.Copy.Current()
	return s
}

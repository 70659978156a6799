package main

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"statusedge/internal/publish"
	"statusedge/internal/snapshot"
)

// localCopy is this replica's STATUS_DIR and what it holds: the leader's own writes and
// the follower copies both publish through it, and it never puts an older snapshot over
// a newer one.
type localCopy struct {
	pub     *snapshot.Publisher
	dir     string
	log     *slog.Logger
	metrics *metrics

	// mu makes compare-and-publish one step.
	mu   sync.Mutex
	good *snapshot.Snapshot // the snapshot in STATUS_DIR, as this process wrote or found it
	data []byte             // its bytes
}

// Current is the snapshot STATUS_DIR holds, as this process wrote or found it; nil
// before any.
func (l *localCopy) Current() (*snapshot.Snapshot, []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.good, l.data
}

// Publish writes data to STATUS_DIR unless what is there is newer: a later updated_at,
// or the same one with the same bytes. Every replica writes through here, with the one
// Publisher, so every STATUS_DIR holds the same bytes.
func (l *localCopy) Publish(data []byte, snap snapshot.Snapshot) (wrote bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur := l.good; cur != nil && (snap.UpdatedAt.Before(cur.UpdatedAt) || (snap.UpdatedAt.Equal(cur.UpdatedAt) && bytes.Equal(data, l.data))) {
		return false, nil
	}
	err = l.pub.Publish(data, snap)
	if errors.Is(err, publish.ErrNoSecondLeft) {
		// A probe round in the snapshot's last max-age: its max-age would outlive
		// fresh_until. What is served stays; the snapshot goes stale within seconds.
		// Debug: a follower meets the same bytes again on every check until then.
		l.log.Debug("probe round not written to STATUS_DIR", "reason", err, "fresh_until", snap.FreshUntil)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	l.good, l.data = &snap, data
	l.metrics.local(snap)
	return true, nil
}

// Load takes what STATUS_DIR holds at start as the copy to compare with, so that a
// restarted follower never writes an older snapshot over it.
func (l *localCopy) Load() error {
	data, _, err := snapshot.ReadFile(l.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	snap, err := snapshot.Parse(data)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.good, l.data = &snap, data
	l.mu.Unlock()
	l.metrics.local(snap)
	return nil
}

// View is the copy's age and freshness at now, for /healthz and /debug.
func (l *localCopy) View(now time.Time) (updatedAt *time.Time, age *int64, fresh bool) {
	good, _ := l.Current()
	if good == nil {
		return nil, nil, false
	}
	a, u := good.Age(now), good.UpdatedAt
	return &u, &a, good.Fresh(now)
}

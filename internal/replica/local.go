// Package replica is a snapshotter replica's own copy of a world's status: its STATUS_DIR,
// which the leader's writes and the follower copies from Redis both go through, and the
// tasks that write it: the refresher (the MySQL read, composed with the probe's round and
// the plan, the fenced put), its loop, the follower copy, the probe's watcher and the
// minute recorder.
package replica

import (
	"errors"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"statusedge/internal/publish"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// Metrics is what Local counts: the snapshot now in STATUS_DIR, and each refusal by
// its reason.
type Metrics interface {
	Local(s snapshot.Snapshot)
	Refused(reason string)
}

// Local is this replica's STATUS_DIR and what it holds: the leader's own writes and
// the follower copies both publish through it, and it never puts an older snapshot over
// a newer one, nor a snapshot from Redis that is not Plausible.
type Local struct {
	pub     *snapshot.Publisher
	dir     string
	layout  snapshot.Layout // the world whose documents these are
	now     func() time.Time
	ttl     time.Duration // STATUS_CACHE_TTL: the longest window a snapshot may claim
	log     *slog.Logger
	metrics Metrics
	// Published, when set, is told after each write (the worlds index); it must not block.
	// Set before the first write.
	Published func()

	// pubMu makes compare-and-publish one step; it is held across the file writes (and
	// the STATUS_DIR lock they wait for), so nothing that answers a request takes it.
	pubMu sync.Mutex
	// mu guards the fields below, held for a read or a write of them only: /healthz and
	// /debug read them while a publish waits for the disk.
	mu   sync.Mutex
	good *snapshot.Snapshot // the snapshot in STATUS_DIR, as this process wrote or found it
	data []byte             // its bytes
	// refused keeps what was refused (snapshot.Gate): the last refusal, for /healthz and
	// /debug, and its bytes, which stay refused.
	refused snapshot.Gate
}

// NewLocal is the copy of layout's documents in dir, written through pub; ttl is
// STATUS_CACHE_TTL. Nothing is read yet (Recover, Load).
func NewLocal(pub *snapshot.Publisher, dir string, layout snapshot.Layout, ttl time.Duration, now func() time.Time, log *slog.Logger, m Metrics) *Local {
	return &Local{pub: pub, dir: dir, layout: layout, now: now, ttl: ttl, log: log, metrics: m}
}

// Dir is the STATUS_DIR the copy is in.
func (l *Local) Dir() string { return l.dir }

// Layout is the world whose documents these are.
func (l *Local) Layout() snapshot.Layout { return l.layout }

// Current is the snapshot STATUS_DIR holds, as this process wrote or found it; nil
// before any.
func (l *Local) Current() (*snapshot.Snapshot, []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.good, l.data
}

// Refused is the last snapshot refused; nil when none was.
func (l *Local) Refused() *snapshot.Refusal { return l.refused.Last() }

// Publish writes data to STATUS_DIR unless what is there is newer (snapshot.Newer).
// Every replica writes through here, with the one Publisher, so every STATUS_DIR holds
// the same bytes.
func (l *Local) Publish(data []byte, snap snapshot.Snapshot) (wrote bool, err error) {
	l.pubMu.Lock()
	defer l.pubMu.Unlock()
	cur, curData := l.Current()
	if cur != nil && !snap.Newer(*cur, string(data) == string(curData)) {
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
	l.mu.Lock()
	l.good, l.data = &snap, data
	l.mu.Unlock()
	l.metrics.Local(snap)
	if l.Published != nil {
		l.Published()
	}
	return true, nil
}

// Copy publishes a snapshot read from Redis (via says how) once it is Plausible: one
// dated ahead of this clock, or claiming a longer window than STATUS_CACHE_TTL, is
// refused, logged and counted, and what STATUS_DIR holds stays.
// The bytes refused last stay refused (a check meets them again every few seconds while
// they stay in Redis): counted and logged once.
func (l *Local) Copy(data []byte, snap snapshot.Snapshot, via string) (wrote bool, err error) {
	if !l.Check(data, snap, via) {
		return false, nil
	}
	return l.Publish(data, snap)
}

// Check says whether a snapshot read from Redis may be taken: false for the bytes refused
// last, and for an implausible snapshot, which it records, counts and logs.
func (l *Local) Check(data []byte, snap snapshot.Snapshot, via string) bool {
	if l.refused.Again(data) {
		return false
	}
	r := l.refused.Check(data, snap, l.now(), l.ttl, via)
	if r != nil {
		l.refusedNews(r)
	}
	return r == nil
}

// refusedNews counts and logs a new refusal.
func (l *Local) refusedNews(r *snapshot.Refusal) {
	l.metrics.Refused(r.Reason)
	l.log.Warn("snapshot refused", "via", r.Via, "reason", r.Reason, "err", r.Error)
}

// Recover makes STATUS_DIR consistent at start (snapshot.Publisher.Recover); a
// status.json it refuses is counted and shown as a refusal.
func (l *Local) Recover() error {
	err := l.pub.Recover(l.now(), l.ttl, worldstate.Read)
	var im *snapshot.Implausible
	if errors.As(err, &im) {
		l.refusedNews(l.refused.Refuse(nil, snapshot.Snapshot{}, l.now(), "start", im))
		return nil
	}
	return err
}

// Load takes what STATUS_DIR holds at start (after Recover) as the copy to compare with,
// so that a restarted follower never writes an older snapshot over it.
func (l *Local) Load() error {
	data, _, err := l.layout.ReadFile(l.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	snap, err := worldstate.Read(data)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.good, l.data = &snap, data
	l.mu.Unlock()
	l.metrics.Local(snap)
	return nil
}

// View is the copy's age and freshness at now, for /healthz and /debug.
func (l *Local) View(now time.Time) (updatedAt *time.Time, age *int64, fresh bool) {
	good, _ := l.Current()
	if good == nil {
		return nil, nil, false
	}
	a, u := good.Age(now), good.UpdatedAt
	return &u, &a, good.Fresh(now)
}

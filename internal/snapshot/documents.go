package snapshot

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"statusedge/internal/publish"
)

// Documents are what one snapshot publishes, for one window (its freshness): the status,
// with last.json (the same bytes marked stale) for when the origin fails past it, and the
// shields.io badge, with the stale badge past it (the origin builds no badge). Their
// Last-Modified is the newer of the database read and the probe round.
func Documents(data []byte, s Snapshot) []publish.Document { return Legacy().Documents(data, s) }

// Documents are what one snapshot of the layout's world publishes (see Documents).
func (l Layout) Documents(data []byte, s Snapshot) []publish.Document {
	modified := s.UpdatedAt
	if s.CheckedAt.After(modified) {
		modified = s.CheckedAt
	}
	return []publish.Document{
		{Path: l.StatusDoc, Body: data, From: s.UpdatedAt, Until: s.FreshUntil, Modified: modified, Last: MarkStale(data), Copy: l.StatusFile},
		{Path: l.BadgeDoc, Body: s.Badge(), From: s.UpdatedAt, Until: s.FreshUntil, Modified: modified, Stale: append(StaleBadge(), '\n'), Copy: l.BadgeFile},
	}
}

// Publisher publishes snapshots into STATUS_DIR: the documents, with status.json and
// badge.json, the canonical copies the origin, followers and people read.
type Publisher struct {
	docs   *publish.Publisher
	dir    string
	layout Layout
}

// NewPublisher publishes Legacy's documents into dir (STATUS_DIR) for an nginx whose
// max-age hint is maxAge (nginx.MaxAge of the same intervals).
func NewPublisher(dir string, maxAge time.Duration, now func() time.Time, sleep func(time.Duration)) *Publisher {
	return NewWorldPublisher(dir, Legacy(), maxAge, now, sleep)
}

// NewWorldPublisher publishes the documents of l's world into dir.
func NewWorldPublisher(dir string, l Layout, maxAge time.Duration, now func() time.Time, sleep func(time.Duration)) *Publisher {
	return &Publisher{docs: publish.New(dir, maxAge, now, sleep), dir: dir, layout: l}
}

// Publish makes s (data, its encoding) what nginx serves from the next request on, for
// exactly the seconds of [s.UpdatedAt, s.FreshUntil) still ahead. A refusal
// (publish.ErrNoSecondLeft) leaves status.json as it was too.
func (p *Publisher) Publish(data []byte, s Snapshot) error {
	return p.docs.Publish(p.layout.Documents(data, s)...)
}

// Recover makes STATUS_DIR consistent after a crash, at start: what nginx serves is
// linked anew from status.json, or, when status.json is missing or unreadable, nothing is
// served from disk (nginx asks the origin) until the next publish. A status.json that is
// not Plausible at now for ttl (forged, tampered, or written by a clock far ahead) is
// moved aside to status.json.refused (a world's file likewise), for ops to read, and its documents are forgotten,
// last copies included: the error then wraps its *Implausible. read is the reader's parse
// (worldstate.Read), which gives the status word the badge says.
func (p *Publisher) Recover(now time.Time, ttl time.Duration, read func([]byte) (Snapshot, error)) error {
	data, _, err := p.layout.ReadFile(p.dir)
	var s Snapshot
	if err == nil {
		s, err = read(data)
	}
	if err == nil {
		if err = s.Plausible(now, ttl); err != nil {
			src := filepath.Join(p.dir, p.layout.StatusFile)
			return errors.Join(err, os.Rename(src, src+RefusedSuffix), p.docs.Recover(), p.docs.Forget(p.layout.StatusDoc, p.layout.BadgeDoc))
		}
	}
	if err != nil {
		// Nothing trustworthy: no names (the badge keeps its stale copy). A missing
		// status.json is a first start, not news.
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		return errors.Join(err, p.docs.Recover(), p.docs.Withdraw(p.layout.StatusDoc, p.layout.BadgeDoc))
	}
	return p.docs.Recover(p.layout.Documents(data, s)...)
}

// RefusedSuffix names the copy of a status.json that Recover refused.
const RefusedSuffix = ".refused"

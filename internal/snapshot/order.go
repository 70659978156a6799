package snapshot

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"
)

// MaxSkew is how far ahead of this machine's clock a snapshot's times may be and still be
// taken: the most the clocks of a fleet's replicas (and of an origin) may differ. NTP
// keeps them within milliseconds; 5 s leaves room for a VM resumed before its clock is
// stepped, and bounds what a snapshot dated ahead can hold back (see Newer).
const MaxSkew = 5 * time.Second

// Why a snapshot is refused (the reason label of statusedge_snapshots_refused_total).
const (
	RefusedFuture = "future" // dated more than MaxSkew ahead of the clock
	RefusedWindow = "window" // fresh for longer than STATUS_CACHE_TTL
)

// Implausible is a snapshot no snapshotter with a sane clock and these settings could
// have written by now: forged in Redis, tampered on disk, or from a leader whose clock
// ran ahead. It is refused wherever it is read; what was there stays.
type Implausible struct {
	Reason string // RefusedFuture or RefusedWindow
	Detail string
}

func (e *Implausible) Error() string { return "snapshot refused (" + e.Reason + "): " + e.Detail }

// Plausible refuses s when it is dated (updated_at, checked_at or seq) more than MaxSkew
// after now, or claims a freshness window longer than ttl (a fleet shares
// STATUS_CACHE_TTL; Build never makes a longer one).
func (s Snapshot) Plausible(now time.Time, ttl time.Duration) error {
	limit := now.Add(MaxSkew)
	for _, t := range []struct {
		name string
		at   time.Time
	}{{"updated_at", s.UpdatedAt}, {"checked_at", s.CheckedAt}, {"seq", time.UnixMilli(s.Seq)}} {
		if t.at.After(limit) {
			return &Implausible{RefusedFuture, fmt.Sprintf("%s %s is %s ahead of this clock (%s allowed)",
				t.name, t.at.UTC().Format(time.RFC3339Nano), t.at.Sub(now).Round(time.Millisecond), MaxSkew)}
		}
	}
	if w := s.FreshUntil.Sub(s.UpdatedAt); w > ttl {
		return &Implausible{RefusedWindow, fmt.Sprintf("fresh for %s after updated_at, above STATUS_CACHE_TTL %s", w, ttl)}
	}
	return nil
}

// Newer reports whether s was published after cur, so that a copy of s may replace one of
// cur: a bigger seq. One without seq never replaces one with it; two that predate seq (0)
// compare by updated_at, and two with the same updated_at by sameBytes (false:
// different snapshots of one read, s taken).
// Together with Plausible this is an order that a late or replayed message cannot turn
// back, and that a snapshot dated ahead can hold up for MaxSkew at most.
func (s Snapshot) Newer(cur Snapshot, sameBytes bool) bool {
	switch {
	case s.Seq > 0 && cur.Seq > 0:
		return s.Seq > cur.Seq
	case cur.Seq > 0:
		return false // no writer of today omits seq: an old copy replayed, or a forgery
	}
	if !s.UpdatedAt.Equal(cur.UpdatedAt) {
		return s.UpdatedAt.After(cur.UpdatedAt)
	}
	return !sameBytes
}

// NextSeq is the seq of a publish at now that follows one of seq last: now in
// milliseconds, or one more than last when the clock has not passed it.
func NextSeq(last int64, now time.Time) int64 { return max(last+1, now.UnixMilli()) }

// Refusal is a snapshot refused as implausible, and why: what /healthz and the debug
// pages show as last_refused.
type Refusal struct {
	At        time.Time `json:"at"`
	Via       string    `json:"via"` // where it was read: message, check, start, redis, file
	Reason    string    `json:"reason"`
	Error     string    `json:"error"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	Seq       int64     `json:"seq,omitempty"`
}

// Gate is a reader's Plausible check with a memory: the bytes refused last stay refused
// once the clock has caught up with their date (a forgery dated a minute ahead is not
// taken a minute later), and are not parsed or logged again each time they are met.
type Gate struct {
	mu   sync.Mutex
	last *Refusal
	sum  [32]byte
}

// Again reports whether data are the bytes refused last.
func (g *Gate) Again(data []byte) bool {
	sum := sha256.Sum256(data)
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.last != nil && g.sum == sum
}

// Check refuses snap (data, its bytes) when it is not Plausible at now for ttl, and
// remembers it; nil when it may be taken.
func (g *Gate) Check(data []byte, snap Snapshot, now time.Time, ttl time.Duration, via string) *Refusal {
	err := snap.Plausible(now, ttl)
	if err == nil {
		return nil
	}
	return g.Refuse(data, snap, now, via, err)
}

// Refuse remembers a refusal of data for err (an *Implausible gives its reason).
func (g *Gate) Refuse(data []byte, snap Snapshot, now time.Time, via string, err error) *Refusal {
	r := &Refusal{At: now.UTC(), Via: via, Reason: "other", Error: err.Error(), UpdatedAt: snap.UpdatedAt, Seq: snap.Seq}
	var im *Implausible
	if errors.As(err, &im) {
		r.Reason = im.Reason
	}
	g.mu.Lock()
	g.last, g.sum = r, sha256.Sum256(data)
	g.mu.Unlock()
	return r
}

// Last is the last refusal; nil before any.
func (g *Gate) Last() *Refusal {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.last
}

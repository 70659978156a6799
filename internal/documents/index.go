package documents

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"statusedge/internal/publish"
	"statusedge/internal/samples"
	"statusedge/internal/snapshot"
)

// Index publishes the worlds' index, /api/worlds.json, from this replica's own copies in
// STATUS_DIR: no Redis and no query, so every replica's index says what its own world
// documents say. It is published again after any world's copy changes, at most once a
// second (the publisher waits for the next second's mtime; wakes meanwhile coalesce).
type Index struct {
	worlds []World // set by Run
	// Peaks, when set, is each world's players peak of the last 24 h (Trends.Peak).
	Peaks func(world string) *samples.Sample
	pub   *publish.Publisher
	ttl   time.Duration
	now   func() time.Time
	sleep func(time.Duration)
	log   *slog.Logger
	wake  chan struct{} // capacity 1
	last  time.Time     // the second of the last publish
}

// NewIndex publishes with pub for ttl.
func NewIndex(pub *publish.Publisher, ttl time.Duration, log *slog.Logger) *Index {
	return &Index{pub: pub, ttl: ttl, now: time.Now, sleep: time.Sleep, log: log, wake: make(chan struct{}, 1)}
}

// Touch asks for a new index; it never blocks (called under a world's copy lock).
func (x *Index) Touch() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// firstIndexWait is how long a start with no world's copy in STATUS_DIR waits for one
// before publishing an index of worlds with no status yet: published at once, it would
// hold its null status up to a second after the first status.json said online (the
// publisher waits for the next second's mtime).
const firstIndexWait = 10 * time.Second

// Run publishes the index at start (once a world has a copy, or after firstIndexWait)
// and after every Touch until ctx ends.
func (x *Index) Run(ctx context.Context, worlds []World) {
	x.worlds = worlds
	if !x.any() {
		t := time.NewTimer(firstIndexWait)
	wait:
		// A wake that brought no copy (the players documents' pass) is no reason to
		// publish an index of worlds without a status.
		for !x.any() {
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-x.wake:
			case <-t.C:
				break wait
			}
		}
		t.Stop()
	}
	x.publish()
	for {
		select {
		case <-ctx.Done():
			return
		case <-x.wake:
			x.publish()
		}
	}
}

// any reports whether some world has a copy in STATUS_DIR.
func (x *Index) any() bool {
	for i := range x.worlds {
		if x.worlds[i].current() != nil {
			return true
		}
	}
	return false
}

// indexWorld is one world in the index: what a card on a page needs, and where the rest is.
type indexWorld struct {
	ID      string     `json:"id"`
	Name    worldNames `json:"name"`
	Online  *bool      `json:"online"` // null before the world's first snapshot
	Players *int64     `json:"players"`
	// PlayersAt and PlayersReason are the status's (issue 30); the reason is "stale"
	// past the world's fresh_until, when no count is presented as current.
	PlayersAt     *time.Time `json:"players_at"`
	PlayersReason *string    `json:"players_reason"`
	PlayersPeak   *peak      `json:"players_peak_24h"`
	UpdatedAt     *time.Time `json:"updated_at"`
	FreshUntil    *time.Time `json:"fresh_until"`
	CheckedAt     *time.Time `json:"checked_at"`
	// Status is the document's status (online, offline or maintenance); null before the
	// world's first snapshot.
	Status     *string `json:"status"`
	StatusURL  string  `json:"status_url"`
	HistoryURL string  `json:"history_url"`
}

// peak is a count and when it was read.
type peak struct {
	Count int64     `json:"count"`
	At    time.Time `json:"at"`
}

type worldNames struct {
	EN string `json:"en"`
	RU string `json:"ru"`
}

// body is the index as the copies say at now, in the file's order of worlds.
func (x *Index) body(now time.Time) []byte {
	out := struct {
		Worlds []indexWorld `json:"worlds"`
	}{Worlds: make([]indexWorld, 0, len(x.worlds))}
	for i := range x.worlds {
		w := &x.worlds[i]
		e := indexWorld{ID: w.Layout.World, Name: worldNames{w.NameEN, w.NameRU}, StatusURL: w.Layout.StatusURL(),
			HistoryURL: w.Layout.HistoryURL()}
		if s := w.current(); s != nil {
			e.Online, e.Players, e.UpdatedAt, e.FreshUntil, e.CheckedAt = &s.Online, s.Players, &s.UpdatedAt, &s.FreshUntil, &s.CheckedAt
			e.Status = &s.Status
			e.PlayersAt = s.PlayersAt
			if s.PlayersReason != "" {
				e.PlayersReason = &s.PlayersReason
			}
			if !s.Fresh(now) {
				stale := snapshot.ReasonStale
				e.Players, e.PlayersAt, e.PlayersReason = nil, nil, &stale
			}
		}
		if x.Peaks != nil {
			if p := x.Peaks(w.Layout.World); p != nil {
				e.PlayersPeak = &peak{Count: p.V, At: p.At}
			}
		}
		out.Worlds = append(out.Worlds, e)
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic("encode the worlds index: " + err.Error()) // times, strings and numbers only
	}
	return b
}

// publish links the index for the TTL from now; past it (no snapshotter alive) nginx
// serves its last body as the stale copy, no-cache: each world's fresh_until in it tells
// a reader which worlds are stale. The origin builds no index.
//
// A second publish within one second would wait in the publisher for the next second's
// mtime with a body read before the wait, and any world's flip written meanwhile would
// reach the index a second or more after its status.json: the index waits for that second
// itself, then reads the copies.
func (x *Index) publish() {
	now := x.now()
	// A clock stepped back by more than a second is the publisher's to handle (mtime).
	if wait := x.last.Add(time.Second).Sub(now); wait > 0 && wait <= time.Second {
		x.sleep(wait)
		now = x.now()
	}
	x.last = now.Truncate(time.Second)
	body := x.body(now)
	err := x.pub.Publish(publish.Document{
		Path: snapshot.WorldsDoc, Body: body, From: now, Until: now.Add(x.ttl), Modified: now,
		Stale: body, Copy: snapshot.WorldsFile,
	})
	if err != nil {
		x.log.Error("publish the worlds index", "err", err)
	}
}

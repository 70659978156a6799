package documents

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"statusedge/internal/history"
	"statusedge/internal/maintenance"
	"statusedge/internal/publish"
	"statusedge/internal/snapshot"
	"statusedge/internal/statuspage"
	"statusedge/internal/worldstate"
	"statusedge/nginx"
)

// Historian publishes, on every replica, the documents made from the minutes' record:
// each world's history and uptime badges, and the Statuspage documents of all worlds.
// It reads Redis (the record, the incidents' notes) and this replica's own status copies,
// never the database. A document goes out again when its content changes (at least every
// minute: today's counts move), for STATUS_CACHE_TTL; past that (no snapshotter alive)
// nginx serves its last body, no-cache, whose generated_at tells its age.
type Historian struct {
	worlds  []World // set by Run
	pub     *publish.Publisher
	ttl     time.Duration
	timeout time.Duration // each Redis call
	page    statuspage.Page
	now     func() time.Time
	log     *slog.Logger

	mu    sync.Mutex
	sent  map[string]sent   // the last publish of each document, by path and type
	pages map[string][]byte // the shortlinks' pages as last written
	took  time.Duration     // the last pass's build time, for /debug and the note
	words map[int]string    // each world's status word (by its index in worlds) as changed last saw it

	wake chan struct{} // capacity 1: a world's status copy was written (Touch)
}

// NewHistorian publishes with pub for ttl, each Redis call within timeout; page is the
// Statuspage documents' page.
func NewHistorian(pub *publish.Publisher, ttl, timeout time.Duration, page statuspage.Page, log *slog.Logger) *Historian {
	return &Historian{pub: pub, ttl: ttl, timeout: timeout, page: page, now: time.Now, log: log, wake: make(chan struct{}, 1)}
}

// historyEvery is the historian's pace besides the wakes: today's counts, a note or a
// window shows in the documents within it.
const historyEvery = 10 * time.Second

// firstEvery is the pace until the Statuspage documents first go out: at start no
// status may be current yet (they wait for one), and a reader must not wait a whole
// historyEvery for them.
const firstEvery = time.Second

// Touch tells the historian that a world's status copy was written; it never blocks
// (called under the copy's lock). A pass follows when a world's status word changed, so
// that the documents change with the status, not a historyEvery later.
func (h *Historian) Touch() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Run publishes at start, on a Touch that changed a world's status word, and every
// historyEvery until ctx ends (every firstEvery until the Statuspage documents first
// went out); every pass first reads the worlds' command-line windows again. A pass
// builds the live parts from the status itself (history.Live), so it never waits for
// the leader's record of a change.
func (h *Historian) Run(ctx context.Context, worlds []World) {
	h.worlds = worlds
	t := time.NewTimer(0)
	defer t.Stop()
	published := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
			if !h.changed() {
				continue // a probe round that said the same: the timer stands
			}
		case <-t.C:
		}
		h.poll(ctx)
		published = h.publish(ctx) || published
		if published {
			t.Reset(historyEvery)
		} else {
			t.Reset(firstEvery)
		}
	}
}

// changed reports whether any world's status word (online, offline, maintenance; ""
// before any) differs from the one it had at the last call.
func (h *Historian) changed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.words == nil {
		h.words = map[int]string{}
	}
	news := false
	for i := range h.worlds {
		word := ""
		if s := h.worlds[i].current(); s != nil {
			word = s.Status
		}
		if old, ok := h.words[i]; !ok || old != word {
			h.words[i], news = word, true
		}
	}
	return news
}

// poll reads every world's command-line windows.
func (h *Historian) poll(ctx context.Context) {
	var g errgroup.Group
	g.SetLimit(8)
	for _, w := range h.worlds {
		g.Go(func() error { w.Poll(ctx); return nil })
	}
	_ = g.Wait()
}

// Took is how long the last pass took to read the record and build the documents.
func (h *Historian) Took() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.took
}

// view is one world as the documents see it.
type view struct {
	w      *World
	snap   *snapshot.Snapshot
	moment worldstate.Moment // the world at the pass, of snap and the plan
	doc    history.Document
	ok     bool // the record was read
	active *maintenance.Window
	next   []maintenance.Window
	first  time.Time            // the first recorded minute of the record; zero for none
	seen   map[string]time.Time // when its windows were first published (maintenance.SeenField)
}

// publish builds and publishes every document once; it says whether the Statuspage
// documents went out (some status was current and every record read).
func (h *Historian) publish(ctx context.Context) bool {
	now := h.now().UTC()
	start := time.Now()
	views := make([]view, len(h.worlds))
	var g errgroup.Group
	g.SetLimit(8)
	for i := range h.worlds {
		g.Go(func() error {
			views[i] = h.build(ctx, &h.worlds[i], now)
			return nil
		})
	}
	_ = g.Wait()
	h.mu.Lock()
	h.took = time.Since(start)
	h.mu.Unlock()
	complete := true
	for _, v := range views {
		if !v.ok {
			complete = false
			continue // the last documents stand, and go stale on their own
		}
		l := v.w.Layout
		body := encode(v.doc)
		timeless := v.doc
		timeless.GeneratedAt = time.Time{}
		h.send(publish.Document{Path: l.HistoryDoc, Body: body, From: now, Until: now.Add(h.ttl), Modified: now, Stale: body}, encode(timeless))
		for i, b := range history.UptimeBadges(v.doc) {
			h.send(publish.Document{Path: l.UptimeDocs[i], Body: b, From: now, Until: now.Add(h.ttl), Modified: now, Stale: b}, b)
		}
		// The world's feeds: its history document's incidents and windows, as the
		// Statuspage documents name them (their pages), with that document's window.
		h.sendFeeds(statuspageInput(h.page, []view{v}, now), l.HistoryDoc, worldFeedTitle(h.page, v.w), now, now.Add(h.ttl), nil)
	}
	if !complete {
		return false // a world's incidents unread would vanish from the Statuspage documents
	}
	return h.publishStatuspage(views, now)
}

// publishStatuspage publishes the Statuspage documents and the shortlinks' pages. The
// documents are current while the worlds' statuses are: their window ends at the
// earliest current world's fresh_until, past which nginx serves them no-cache, marked
// stale (X-Status-Source), until a status is current again; with none current, nothing
// is published (what is out goes stale by itself), and it says so (false).
func (h *Historian) publishStatuspage(views []view, now time.Time) bool {
	until := now.Add(h.ttl)
	current := false
	for _, v := range views {
		if v.snap != nil && v.snap.Fresh(now) {
			current = true
			if v.snap.FreshUntil.Before(until) {
				until = v.snap.FreshUntil
			}
		}
	}
	if !current {
		return false
	}
	in := statuspageInput(h.page, views, now)
	stamp := []byte(until.UTC().Format(time.RFC3339))
	for path, body := range statuspage.Documents(in) {
		h.send(publish.Document{Path: path, Body: body, From: now, Until: until, Modified: now, Stale: body}, append(slices.Clip(body), stamp...))
	}
	h.sendFeeds(in, nginx.FeedDoc, h.page.Name, now, until, stamp)
	pages := statuspage.Pages(in)
	h.mu.Lock()
	same := maps.EqualFunc(pages, h.pages, bytes.Equal)
	h.mu.Unlock()
	if same {
		return true
	}
	if err := h.pub.Pages(pages); err != nil {
		h.log.Error("publish the incidents' pages", "err", err)
		return true
	}
	h.mu.Lock()
	h.pages = pages
	h.mu.Unlock()
	return true
}

// build reads one world's record and makes its history document.
func (h *Historian) build(ctx context.Context, w *World, now time.Time) view {
	v := view{w: w}
	v.snap = w.current()
	v.moment = worldstate.At(now, v.snap, w.Plan())
	v.active, v.next = v.moment.Window, v.moment.Upcoming
	rctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	cells, err := w.Record.Minutes(rctx, history.Start(now), now.Truncate(time.Minute).Add(time.Minute))
	if err != nil {
		w.Log.Warn("read the history", "err", err)
		return v
	}
	notes, err := w.Record.Notes(rctx)
	if err != nil {
		w.Log.Warn("read the incidents' notes", "err", err)
		return v
	}
	flips, err := w.Record.Flips(rctx)
	if err != nil {
		w.Log.Warn("read the status's flips", "err", err)
		return v
	}
	// The world as it is now, in this pass: the leader writes the same within its tick.
	var live *history.Flip
	if v.moment.Current {
		live = &history.Flip{Online: v.snap.Online, At: v.snap.CheckedAt}
	}
	cells, flips = history.Live(now, cells, flips, v.moment.State, live)
	v.doc, v.ok = history.Build(w.Layout.World, now, cells, notes, v.active, v.next), true
	v.doc.Incidents = history.WithNotes(history.WithFlips(v.doc.Incidents, flips, now), notes)
	if i := slices.IndexFunc(cells, func(s history.State) bool { return s != history.NoData }); i >= 0 {
		v.first = history.Start(now).Add(time.Duration(i) * time.Minute)
	}
	var uncreated []maintenance.Window // the file's: created when first published
	all := slices.Clip(v.next)
	if v.active != nil {
		all = append(all, *v.active)
	}
	for _, win := range all {
		if win.Created.IsZero() {
			uncreated = append(uncreated, win)
		}
	}
	if v.seen, err = h.published(ctx, w, uncreated, now); err != nil {
		w.Log.Warn("mark the windows published", "err", err)
	}
	return v
}

// published is when each of ws was first published, by maintenance.SeenField, marking
// now for the ones not seen before.
func (h *Historian) published(ctx context.Context, w *World, ws []maintenance.Window, now time.Time) (map[string]time.Time, error) {
	if w.Seen == nil || len(ws) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	return w.Seen.Mark(ctx, ws, now)
}

// send publishes d unless its content (key: d's body without what alone changes with
// the time of the pass) is what was last sent less than half its window ago: the window
// is renewed before it ends, and nothing else is written again.
func (h *Historian) send(d publish.Document, key []byte) {
	h.mu.Lock()
	if h.sent == nil {
		h.sent = map[string]sent{}
	}
	id := d.Path + "." + cmp.Or(d.Type, nginx.JSON) // a path's feeds are other documents
	last := h.sent[id]
	h.mu.Unlock()
	if bytes.Equal(last.key, key) && d.From.Sub(last.at) < h.ttl/2 {
		return
	}
	if err := h.pub.Publish(d); err != nil {
		h.log.Error("publish", "doc", d.Path, "type", d.Type, "err", err)
		return
	}
	h.mu.Lock()
	h.sent[id] = sent{key: key, at: d.From}
	h.mu.Unlock()
}

// sent is a document's last publish.
type sent struct {
	key []byte
	at  time.Time
}

// encode is a document's JSON; its values (times, numbers, strings) always encode.
func encode(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("encode a document: " + err.Error())
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

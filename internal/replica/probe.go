package replica

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"statusedge/internal/history"
	"statusedge/internal/leader"
	"statusedge/internal/notify"
	"statusedge/internal/probe"
	"statusedge/internal/snapshot"
)

// Watcher is the game-server probe and its channels (the webhook, Telegram): one
// component with one Run, so that with several snapshotters it can run on the leader
// only. Every round is published at once from the last database read (no query), and its
// verdict handed to each channel, which never holds up the next round or a publish
// (Observe only records it) and posts what differs from what its readers were last told.
type Watcher struct {
	loop      *probe.Loop
	notifiers []*notify.Notifier // none without a webhook or a Telegram chat
	notes     NoteSource         // nil: no notes are told
	r         *Refresher
	log       *slog.Logger
	metrics   ProbeMetrics

	// The newest operator note as last read, and whether the notes were read this term:
	// a failed read keeps the last one, so that a Redis blip does not withdraw a note
	// on its way.
	note      *notify.Note
	notesRead bool
	notesDown bool // the last read failed (logged once per outage)
	// Answer, when set, keeps each round's answer time (Sampler.Answer).
	Answer func(ctx context.Context, round snapshot.ProbeRound)

	// The verdict as the loop's goroutine last saw it, and since when: the flip time the
	// webhook message tells.
	seen   bool
	online bool
	since  time.Time
}

// ProbeMetrics is what a Watcher counts of each round (each target's answer, the flips).
type ProbeMetrics interface {
	Observe(rep probe.Report)
}

// NoteSource reads a world's incident notes (history.Store).
type NoteSource interface {
	Notes(ctx context.Context) (map[string]history.Note, error)
}

// NewWatcher probes with loop for r's world, publishing each round through r, and tells
// notifiers (none without a channel) of each verdict and of notes' newest message.
func NewWatcher(loop *probe.Loop, notifiers []*notify.Notifier, notes NoteSource, r *Refresher, log *slog.Logger, m ProbeMetrics) *Watcher {
	return &Watcher{loop: loop, notifiers: notifiers, notes: notes, r: r, log: log, metrics: m}
}

// Run probes until ctx ends; the channels' delivery ends with it.
func (w *Watcher) Run(ctx context.Context) {
	w.seen = false // since when is counted from this term's rounds
	w.note, w.notesRead = nil, false
	var wg sync.WaitGroup
	for _, n := range w.notifiers {
		n.Forget()
		wg.Go(func() { n.Run(ctx) })
	}
	w.loop.Run(ctx, func(rep probe.Report) { w.report(ctx, rep) })
	wg.Wait()
}

func (w *Watcher) report(ctx context.Context, rep probe.Report) {
	w.metrics.Observe(rep)
	round := roundOf(rep)
	w.r.observeProbe(round)
	if rep.Flipped {
		w.log.Info("game server flipped", "online", rep.Verdict == probe.Online, "targets", rep.Results)
	}
	if rep.Verdict != probe.Unknown {
		online := rep.Verdict == probe.Online
		if !w.seen || online != w.online {
			w.seen, w.online, w.since = true, online, rep.At
		}
		if len(w.notifiers) > 0 {
			// Every round, not only flips: the notifier sends what differs from what was
			// delivered, which a new leader learns only from its own rounds.
			// In a planned window the readers hear of the window, not of the flips.
			active, _ := w.r.plan(rep.At)
			w.readNotes(ctx)
			e := notify.Event{Online: online, At: w.since, Targets: rep.Results, Maintenance: active,
				Players: w.r.Players(), Note: w.note, NotesRead: w.notesRead}
			for _, n := range w.notifiers {
				n.Observe(e)
			}
		}
	}
	// The publish in progress at shutdown finishes within its own deadlines.
	ctx = context.WithoutCancel(ctx)
	err := w.r.Republish(ctx)
	// After the publish (a flip is not held up by a Redis round trip), and whatever it
	// said: the round's answer time is the record's, not the status's.
	if w.Answer != nil {
		w.Answer(ctx, round)
	}
	// A damaged fence refuses every round's publish: said once by the role. The leader
	// still leads, so the round is still stored for debug below.
	if err := leader.Unsaid(err); err != nil {
		w.log.Error("publish probe round", "err", err, "flipped", rep.Flipped)
		return
	}
	// The round with its addresses and errors, for the origin's debug output. It is ops'
	// view only, so it is not fenced like the snapshot: a deposed leader can at worst
	// store one round of its own before it stops probing.
	rctx, cancel := context.WithTimeout(ctx, w.r.redisTimeout)
	defer cancel()
	if err := w.r.store.PutProbeRound(rctx, round, w.r.ttl); err != nil {
		w.log.Warn("store probe round for debug", "err", err)
	}
}

// readNotes reads the world's notes for their newest message (one Redis read a round,
// within the Redis deadline).
func (w *Watcher) readNotes(ctx context.Context) {
	if w.notes == nil {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, w.r.redisTimeout)
	defer cancel()
	notes, err := w.notes.Notes(rctx)
	if err != nil {
		if !w.notesDown {
			w.log.Warn("read incident notes for the channels; the last read stands", "err", err)
		}
		w.notesDown = true
		return
	}
	w.notesDown, w.notesRead = false, true
	w.note = NewestNote(notes)
}

// NewestNote is the newest operator message of notes (by its time, then its incident's
// id), with its incident's title; nil without one. A title alone has no time of its own
// and is not news: it goes with the next message.
func NewestNote(notes map[string]history.Note) *notify.Note {
	var best *notify.Note
	for id, n := range notes {
		for _, u := range n.Updates {
			if best == nil || u.At.After(best.At) || u.At.Equal(best.At) && id > best.Incident {
				best = &notify.Note{Incident: id, At: u.At, Title: n.Title, Message: u.Message}
			}
		}
	}
	return best
}

// roundOf is the probe's report in the snapshot's terms: the public snapshot takes its
// verdict and each target's ok and latency, the debug record the whole round.
func roundOf(rep probe.Report) snapshot.ProbeRound {
	r := snapshot.ProbeRound{At: rep.At.UTC(), Targets: make([]snapshot.ProbeResult, len(rep.Results))}
	switch rep.Verdict {
	case probe.Online:
		r.Online = new(true)
	case probe.Offline:
		r.Online = new(false)
	}
	for i, t := range rep.Results {
		r.Targets[i] = snapshot.ProbeResult{Addr: t.Addr, OK: t.OK, LatencyMS: t.LatencyMS, Error: t.Error}
	}
	return r
}

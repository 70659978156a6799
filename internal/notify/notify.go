// Package notify tells the game server's online/offline flips, the start and end of
// planned maintenance in their place, and operators' notes on incidents to its channels:
// STATUS_WEBHOOK_URL (a body Discord and Slack accept as it is, or a Discord embed) and a
// Telegram chat (sendMessage). The probe and the snapshot never wait for them: Observe
// only records the latest verdict, and one goroutine per channel (Run) compares it with
// what that channel's readers were last told (kept in Redis, so that it survives a change
// of leader), sends the difference (a flip at most once per minimum gap; a window's start
// and end, and a note, on time), and retries while the channel is down. The delivery
// rules are the Notifier's, one copy for every channel; a channel only says how a message
// becomes a request and what an answer means (channel.go).
package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"statusedge/internal/envvar"
	"statusedge/internal/maintenance"
	"statusedge/internal/probe"
)

// Event is the probe's verdict: online or not, since when (the flip time the message
// tells), and the round that says so; and the maintenance window active at that round.
type Event struct {
	Online  bool
	At      time.Time
	Targets []probe.Result
	// Maintenance is the window active at the round (nil outside one). While it is set the
	// readers are told "maintenance started" once, and no flip; when it is gone, or
	// another window (another From) replaces it, "maintenance ended".
	Maintenance *maintenance.Window
	// Players is the last read's player count (nil: not counted, or that read is past
	// its freshness), for the channels that show it.
	Players *int64
	// Note is the newest operator message on the world's incidents (nil: none), and
	// NotesRead says whether the notes were ever read: before that, no note is told or
	// recorded as told.
	Note      *Note
	NotesRead bool
}

// Note is an operator's message on an incident (history.Update), and the incident's
// title then.
type Note struct {
	Incident string            `json:"incident"`
	At       time.Time         `json:"at"`
	Title    *maintenance.Text `json:"title"`
	Message  maintenance.Text  `json:"message"`
}

// State is what the webhook's readers were last told, and the message on its way to
// them. It lives in Redis (snapshot.KeyWebhook) rather than in the leader's memory, so
// that a change of leader neither drops a message that was not acknowledged nor sends
// one that was.
type State struct {
	Online bool      `json:"online"`
	At     time.Time `json:"at"` // when the game server flipped to Online
	// DeliveredAt is when the webhook acknowledged it (2xx): the minimum gap counts from
	// it. Zero for the first verdict of a deployment, which is saved, never sent.
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	ID          string    `json:"id,omitempty"`
	// Window is the maintenance window whose start the readers were told and whose end
	// not yet; nil for none (and in a State saved before windows existed). Online and At
	// stay what they were told before it: the flips resume against them after it.
	Window *maintenance.Window `json:"window,omitempty"`
	// Announced is the From of the last window whose start was told: a window is
	// announced once, by this leader or the next, even when it is seen again after its
	// end was told (a leader whose clock is a little behind).
	Announced time.Time `json:"announced,omitzero"`
	// Pending is the message that the readers need and have not acknowledged yet
	// (waiting for the gap's end, or in retry); a new leader sends it with the same At
	// and ID, so a receiver can drop the rare double.
	Pending *Pending `json:"pending,omitempty"`
	// NoteAt is the At of the newest operator note told (or recorded when the notes were
	// first read: notes older than the channel are never sent); NotesKnown says whether
	// it was set (a State saved before notes existed has neither).
	NoteAt     time.Time `json:"note_at,omitzero"`
	NotesKnown bool      `json:"notes_known,omitempty"`
}

// Pending is a message not yet acknowledged.
type Pending struct {
	Kind Kind `json:"kind,omitempty"`
	// Online is the flip's verdict; for a maintenance message, what the probe said when
	// it was composed (the body's "online").
	Online bool `json:"online"`
	// At is when the flip happened, or the window started or ended.
	At time.Time `json:"at"`
	ID string    `json:"id"`
	// Window is the window a maintenance message tells of.
	Window *maintenance.Window `json:"window,omitempty"`
	// Note is the operator's note an incident_note message tells.
	Note *Note `json:"note,omitempty"`
	// GaveUp: the webhook refused it (4xx, 3xx) or every attempt failed; it is not sent
	// again, by this leader or the next, until the state changes.
	GaveUp bool `json:"gave_up,omitempty"`
}

// ErrDamagedState is a StateStore's answer when its key holds what no leader wrote (not a
// State): the notifier rebuilds the State instead of waiting for Redis.
var ErrDamagedState = errors.New("not a notify channel's state")

// StateStore keeps the State where every leader finds it (snapshot.Store). ok is false
// when none is stored. Each call gets a context with a deadline.
type StateStore interface {
	WebhookState(ctx context.Context) (s State, ok bool, err error)
	PutWebhookState(ctx context.Context, s State) error
}

// Options tune delivery; zero fields take the defaults in parentheses.
type Options struct {
	Timeout     time.Duration // deadline of one HTTP attempt (10 s)
	MinBackoff  time.Duration // wait before the first retry, doubled after each (1 s)
	MaxBackoff  time.Duration // cap on the wait, and on a 429's Retry-After (1 min)
	MaxAttempts int           // attempts per message before it is given up (10)
	// MinGap is STATUS_WEBHOOK_MIN_GAP: the least time from one delivered message (of any
	// kind) to the next flip's send (0: no gap). A window's start and end do not wait.
	MinGap time.Duration
	// State keeps what was delivered across leaders (nil: this process's memory only).
	State StateStore
	// StoreTimeout is the deadline of each State call (2 s).
	StoreTimeout time.Duration
	// Transport carries the POSTs (nil: a clone of http.DefaultTransport); tests give
	// one without a network, so that fake time can run.
	Transport http.RoundTripper
	Now       func() time.Time // time.Now
	// Failed, when set, is called after every failed attempt (for a metric); it must not block.
	Failed func()
	// Leading, when set, is asked before every POST and save: a leader paused past its
	// lease wakes with its back-off timer due, and must not post what the next leader
	// has sent meanwhile (nor overwrite the State that leader saved).
	Leading func() bool
	// World names the world in the messages of the channels that show it (Discord,
	// Telegram); zero without a worlds file.
	World World
}

// World is a world as a channel's readers know it.
type World struct {
	ID   string
	Name maintenance.Text
}

// Notifier delivers the game server's state to one channel (a webhook, a Telegram
// chat). Its URL is a secret (Discord and Slack put the token in the path, Telegram the
// bot's token): it is never logged and never part of an error.
type Notifier struct {
	logger  *slog.Logger
	name    string // "webhook", "telegram": how logs and errors name the channel
	ch      channel
	secrets []string // parts of the URL to scrub from any text that leaves the Notifier
	client  *http.Client
	opts    Options

	wake    chan struct{} // capacity 1: "current has news", however many Observe calls
	mu      sync.Mutex
	current *Event // the newest verdict

	// Owned by Run's goroutine. They outlive one Run (one term as leader), so that a
	// process that leads again while Redis is unreachable still knows what it sent.
	st        State
	known     bool   // st is what the readers were told (from Redis, or sent by this process)
	fresh     bool   // st was read from the store during this Run (or the store had none)
	baseline  bool   // the store holds no state: the next verdict is saved, not sent
	dirty     bool   // st changed since the store last took it
	storeDown bool   // the last State call failed (logged once per outage)
	held      string // the ID of the pending message logged as held by the gap
}

// IDHeader carries each message's stable event id.
const IDHeader = "Idempotency-Key"

// Env is the variable that holds the webhook URL.
const Env = "STATUS_WEBHOOK_URL"

// GapEnv is the variable that holds the minimum gap between two messages.
const GapEnv = "STATUS_WEBHOOK_MIN_GAP"

// DefaultMinGap is STATUS_WEBHOOK_MIN_GAP when unset: a flapping game server costs a
// channel at most one message a minute, and a quiet one's first offline goes at once.
const DefaultMinGap = time.Minute

// LoadMinGap reads STATUS_WEBHOOK_MIN_GAP: whole seconds, 0 for no gap.
func LoadMinGap(getenv func(string) string) (time.Duration, error) {
	v := strings.TrimSpace(getenv(GapEnv))
	if v == "" {
		return DefaultMinGap, nil
	}
	return envvar.SecondsOrZero(GapEnv, v)
}

// CheckURL parses a webhook URL: http or https, with a host. Its error never quotes the
// URL, whose path or query is where the token lives.
func CheckURL(webhookURL string) (*url.URL, error) {
	u, err := url.Parse(webhookURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New(Env + ": want an http:// or https:// URL with a host (value not shown: it is a secret)")
	}
	return u, nil
}

// New returns a Notifier for webhookURL; call Run to start delivering. A Discord webhook
// gets embeds, any other receiver the plain body. The error never contains the URL.
func New(logger *slog.Logger, webhookURL string, o Options) (*Notifier, error) {
	u, err := CheckURL(webhookURL)
	if err != nil {
		return nil, err
	}
	// The host (discord.com, hooks.slack.com) is not secret and is useful in a dial
	// error; the path, query and user info are where tokens live.
	secrets := []string{webhookURL, u.String()}
	for _, s := range []string{u.EscapedPath(), u.Path, u.RawQuery, u.User.String()} {
		if len(s) > 1 {
			secrets = append(secrets, s)
		}
	}
	return newNotifier(logger, "webhook", webhookChannel{url: webhookURL, discord: IsDiscord(u), world: o.World}, secrets, o), nil
}

// newNotifier fills o's defaults; every channel is delivered by the same rules.
func newNotifier(logger *slog.Logger, name string, ch channel, secrets []string, o Options) *Notifier {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.MinGap < 0 {
		o.MinGap = 0
	}
	if o.StoreTimeout <= 0 {
		o.StoreTimeout = 2 * time.Second
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Notifier{
		logger:  logger,
		name:    name,
		ch:      ch,
		secrets: secrets,
		// No client-wide timeout: each attempt has its own context deadline. No redirect
		// is followed: a redirect would carry the message (and, to the same host, the
		// token in the path) wherever the receiver points, and a loop would multiply the
		// POSTs. A webhook that moved answers 3xx, which is logged and not retried.
		client: &http.Client{
			Transport:     o.Transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		opts: o,
		wake: make(chan struct{}, 1),
	}
}

// String keeps the URL out of anything that formats a Notifier with %v.
func (n *Notifier) String() string { return n.name + " notifier" }

// Observe records the probe's current verdict and returns at once; call it after every
// round, not only on flips. The Notifier works from state: it sends whenever the
// verdict differs from what the readers were last told, so a flip that one leader could
// not deliver is sent by the next, and flaps in between messages cost nothing.
func (n *Notifier) Observe(e Event) {
	e.Targets = append([]probe.Result(nil), e.Targets...) // the caller may reuse its slice
	if e.Maintenance != nil {
		w := *e.Maintenance // nor may the caller's edits reach a message in flight
		e.Maintenance = &w
	}
	if e.Note != nil {
		nt := *e.Note
		e.Note = &nt
	}
	if e.Players != nil {
		e.Players = new(*e.Players)
	}
	n.mu.Lock()
	n.current = &e
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default: // a wake-up is already queued; it will find the newest verdict
	}
}

// Forget drops the last verdict: call it before a new term's rounds and Run start, so
// that a verdict of an earlier term (this process led before) is not taken for news.
func (n *Notifier) Forget() {
	n.mu.Lock()
	n.current = nil
	n.mu.Unlock()
}

func (n *Notifier) latest() (Event, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.current == nil {
		return Event{}, false
	}
	return *n.current, true
}

// Run delivers until ctx ends (one term as leader): it reads the State from the store,
// then sends whatever differs from it, one message at a time. An attempt in flight when
// ctx ends is allowed to finish (within Options.Timeout) and its outcome saved; nothing
// is retried after that: the message stays pending in the store for the next leader.
func (n *Notifier) Run(ctx context.Context) {
	n.fresh = false // another leader may have sent since this process last led
	for {
		wait := n.step(ctx)
		var t *time.Timer
		var due <-chan time.Time
		if wait > 0 {
			t = time.NewTimer(wait)
			due = t.C
		}
		select {
		case <-ctx.Done():
		case <-n.wake:
		case <-due:
		}
		if t != nil {
			t.Stop()
		}
		if ctx.Err() != nil {
			n.leave()
			return
		}
	}
}

// leave says what happens to a message not delivered when this term ends.
func (n *Notifier) leave() {
	p := n.st.Pending
	switch {
	case p == nil || p.GaveUp:
	case n.dirty:
		n.logger.Warn(n.name+" message not delivered at the end of this term, and not saved: Redis did not answer", "kind", p.Kind, "online", p.Online, "id", p.ID)
	case n.leading():
		// Still leading (shutdown): saved again, in case Redis lost it since (a restart
		// of an empty Redis), so that the next leader finds it.
		n.save(context.Background())
		n.logger.Info(n.name+" message not delivered at the end of this term; the next leader sends it", "kind", p.Kind, "online", p.Online, "id", p.ID)
	default:
		n.logger.Info(n.name+" message not delivered at the end of this term; the next leader sends it", "kind", p.Kind, "online", p.Online, "id", p.ID)
	}
}

// step does what is due now and says how long until something else is due without a
// new verdict (0: nothing).
func (n *Notifier) step(ctx context.Context) time.Duration {
	if ctx.Err() != nil {
		return 0
	}
	if !n.fresh {
		n.load(ctx)
	}
	if n.dirty {
		n.save(ctx)
	}
	cur, ok := n.latest()
	if !ok {
		return 0
	}
	if n.baseline {
		// A fresh deployment: its first verdict is not a flip (as before the state was
		// kept), so it is recorded as what the readers know, and sent to nobody. A window
		// active already is not recorded: the readers were told nothing of it, and are
		// below.
		n.st = State{Online: cur.Online, At: cur.At}
		n.known, n.baseline = true, false
		n.logger.Info(n.name+" state recorded from the first verdict; nothing sent", "online", cur.Online)
		n.save(ctx)
	}
	if !n.known {
		// Neither Redis nor this process knows what the readers were told: a guess would
		// repeat a message or swallow one. Try Redis again at the next verdict.
		return 0
	}
	if cur.NotesRead && !n.st.NotesKnown {
		// The first notes this channel's state sees (a new deployment, or a State from
		// before notes were told): what is there is old news, recorded and not sent.
		n.st.NotesKnown = true
		if cur.Note != nil {
			n.st.NoteAt = cur.Note.At
		}
		n.save(ctx)
	}
	if n.st.follow(cur) {
		n.save(ctx)
	}
	want := n.st.next(cur, n.opts.Now())
	p := n.st.Pending
	if p != nil && (want == nil || !p.same(want)) {
		n.withdraw(*p, want)
		n.st.Pending, p = nil, nil
		if want == nil {
			n.save(ctx)
		}
	}
	if want == nil {
		return 0
	}
	if p == nil {
		want.ID = rand.Text()
		p = want
		n.st.Pending = p
		n.save(ctx) // before the first attempt: the next leader must know of it
	}
	if p.GaveUp {
		return 0
	}
	if n.opts.MinGap > 0 && p.gapped() && !n.st.DeliveredAt.IsZero() {
		if wait := n.st.DeliveredAt.Add(n.opts.MinGap).Sub(n.opts.Now()); wait > 0 {
			if n.held != p.ID {
				n.held = p.ID
				n.logger.Info(n.name+" message held until the minimum gap ends", "kind", p.Kind, "online", p.Online, "id", p.ID, "send_in", wait.Round(time.Millisecond).String())
			}
			return wait
		}
	}
	if n.deliver(ctx, *p, cur) {
		// Another message may be due at once: the next window's start after the end of
		// the one it replaced, or the flip the window held back.
		return n.step(ctx)
	}
	return 0
}

// withdraw logs why p is no longer sent: want (nil: nothing) is what the readers need now.
func (n *Notifier) withdraw(p Pending, want *Pending) {
	why := "the game server is back to what was last delivered"
	switch {
	case p.Kind == IncidentNote:
		why = "a newer note, or the state, is told first"
	case p.Kind != Flip:
		why = "the maintenance window it tells of is over or replaced"
	case want != nil && want.Kind != Flip:
		why = "a maintenance window is told instead"
	}
	n.logger.Info(n.name+" message withdrawn: "+why, "kind", p.Kind, "online", p.Online, "id", p.ID, "gave_up", p.GaveUp)
}

// load reads the State from the store. When Redis does not answer, a process that knows
// what it sent goes on with that (Redis may be down while the game server flips); one
// that does not waits for Redis.
func (n *Notifier) load(ctx context.Context) {
	if n.opts.State == nil {
		n.fresh = true
		n.baseline = !n.known
		return
	}
	lctx, cancel := context.WithTimeout(ctx, n.opts.StoreTimeout)
	defer cancel()
	st, ok, err := n.opts.State.WebhookState(lctx)
	if errors.Is(err, ErrDamagedState) {
		// Redis answers, with what no leader wrote: waiting for it to answer would send
		// nothing ever again. Rebuilt as when the key is gone: from this process's own
		// state, or as a new deployment's (the next verdict recorded, not sent); the
		// next save overwrites the damage, so this is said once.
		n.logger.Warn(n.name+" state damaged in Redis: rebuilt", "known", n.known, "err", err)
		st, ok, err = State{}, false, nil
	}
	if err != nil {
		if !n.storeDown {
			n.logger.Warn(n.name+" state not read; going on with this process's own until Redis answers", "known", n.known, "err", err)
		}
		n.storeDown = true
		return
	}
	n.storeDown, n.fresh = false, true
	switch {
	case !ok && n.known:
		n.dirty = true // the key is gone (flushed, a failover) but this process knows
	case !ok:
		n.baseline = true
	case n.known && n.dirty && st.DeliveredAt.Before(n.st.DeliveredAt):
		// This process delivered while Redis was down: its own State is the newer.
	default:
		n.st, n.known, n.dirty = st, true, false
	}
}

// save hands the State to the store, or keeps it dirty to be saved at the next step. It
// runs after ctx's end too (a delivery in flight at the end of a term is recorded).
func (n *Notifier) save(ctx context.Context) {
	n.dirty = true
	if n.opts.State == nil {
		n.dirty = false
		return
	}
	if !n.leading() {
		return // the next leader's State stands; this process's stays dirty, unsaved
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.opts.StoreTimeout)
	defer cancel()
	if err := n.opts.State.PutWebhookState(sctx, n.st); err != nil {
		if !n.storeDown {
			n.logger.Warn(n.name+" state not saved; kept in memory and saved when Redis answers", "err", err)
		}
		n.storeDown = true
		return
	}
	n.dirty, n.storeDown = false, false
}

// leading is Options.Leading, true without one.
func (n *Notifier) leading() bool { return n.opts.Leading == nil || n.opts.Leading() }

// deliver posts p, retrying transport errors, 5xx and 429 with capped exponential
// back-off, until it is acknowledged, refused, given up, withdrawn (the readers no
// longer need it: the state went back to what was delivered, or a window began or
// ended, during a back-off) or ctx ends. It says whether the webhook acknowledged p.
func (n *Notifier) deliver(ctx context.Context, p Pending, cur Event) bool {
	for attempt := 1; ; attempt++ {
		if !n.leading() {
			n.logger.Info(n.name+" message left to the next leader: this replica no longer leads", "kind", p.Kind, "online", p.Online, "id", p.ID)
			return false
		}
		retry, wait, err := n.post(ctx, p, cur, p.ID)
		if err == nil {
			n.st.told(p, n.opts.Now())
			n.logger.Info(n.name+" delivered", "kind", p.Kind, "online", p.Online, "attempt", attempt, "id", p.ID)
			n.save(ctx)
			return true
		}
		if n.opts.Failed != nil {
			n.opts.Failed()
		}
		if !retry || attempt >= n.opts.MaxAttempts {
			if !retry {
				n.logger.Error(n.name+" refused the message; not retrying", "kind", p.Kind, "online", p.Online, "attempt", attempt, "err", err)
			} else {
				n.logger.Error(n.name+" failed; giving up on this message", "kind", p.Kind, "online", p.Online, "attempts", attempt, "err", err)
			}
			p.GaveUp = true
			n.st.Pending = &p
			if p.Kind == MaintenanceEnded {
				// Not kept pending: the window would stand in the way of the next one and
				// of the flips after it for good.
				n.st.Window, n.st.Pending = nil, nil
			}
			n.save(ctx)
			return false
		}
		if wait <= 0 {
			wait = min(n.opts.MinBackoff<<(attempt-1), n.opts.MaxBackoff)
			if wait <= 0 { // the shift overflowed
				wait = n.opts.MaxBackoff
			}
		}
		n.logger.Warn(n.name+" failed; will retry", "kind", p.Kind, "online", p.Online, "attempt", attempt, "retry_in", wait.String(), "err", err)
		if !n.backOff(ctx, p, wait) {
			return false
		}
	}
}

// backOff waits before a retry; false when p is no longer to be sent: ctx ended (it
// stays pending in the store) or the readers no longer need it (withdrawn at the next
// step).
func (n *Notifier) backOff(ctx context.Context, p Pending, wait time.Duration) bool {
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case <-n.wake:
			if cur, ok := n.latest(); ok {
				if want := n.st.next(cur, n.opts.Now()); want == nil || !p.same(want) {
					// Woken again, so that Run's next step tells what is needed now (a
					// window's start) without waiting for the next round.
					select {
					case n.wake <- struct{}{}:
					default:
					}
					return false
				}
			}
		}
	}
}

// Send posts e's online or offline message once (its Maintenance aside), without
// retries and without touching the State. The error never contains the URL.
func (n *Notifier) Send(ctx context.Context, e Event) error {
	_, _, err := n.post(ctx, Pending{Online: e.Online, At: e.At}, e, rand.Text())
	return err
}

// post makes one attempt at p, with the round cur. retry says whether a later attempt
// may succeed; wait is the server's own delay (Retry-After, retry_after) when it gave one.
func (n *Notifier) post(ctx context.Context, p Pending, cur Event, id string) (retry bool, wait time.Duration, err error) {
	// The attempt in flight survives ctx's cancellation (see Run) but not its own deadline.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.opts.Timeout)
	defer cancel()
	req, err := n.ch.request(actx, p, cur)
	if err != nil {
		return false, 0, n.redact(fmt.Errorf("build %s request: %w", n.name, err))
	}
	req.Header.Set("User-Agent", "statusedge")
	// The same message keeps its id across attempts and leaders: a POST that succeeded
	// just as its sender lost the lease is sent again by the next leader, and a receiver
	// that keeps recent ids drops the double.
	req.Header.Set(IDHeader, id)
	resp, err := n.client.Do(req)
	if err != nil {
		return true, 0, n.redact(err)
	}
	defer resp.Body.Close()
	// Slack explains a refusal in the body ("invalid_payload"); Discord and Telegram in
	// JSON, with the wait of a 429. Keep a little of it, and drain the rest so the
	// connection is reused.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	retry, wait, err = n.ch.answer(resp.StatusCode, resp.Header, body)
	if err != nil {
		err = n.redact(err)
	}
	return retry, min(wait, n.opts.MaxBackoff), err
}

// answered is the error of a refused or failed answer, with a little of its body.
func answered(name string, code int, body []byte) error {
	if len(body) > 256 {
		body = body[:256]
	}
	return fmt.Errorf("%s answered %d: %s", name, code, bytes.TrimSpace(body))
}

// seconds reads a Retry-After or retry_after in seconds (Discord and Slack send seconds,
// Discord's body a fraction); post caps it so that a confused server cannot park the
// notifier for a day. 0 when there is none.
func seconds(v string) time.Duration {
	s, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || s <= 0 || s > 1e6 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// redactedError is an error whose text has had the webhook URL removed.
type redactedError struct {
	msg string
	err error // nil when the wrapped chain itself carried the URL
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact removes the URL from err. net/http's *url.Error quotes the whole URL ("Post
// \"https://discord.com/api/webhooks/ID/TOKEN\": ..."), so it is replaced by its cause;
// any text that still names a secret part (a redirect, a server echoing the URL) is
// scrubbed, and then the chain is cut so that errors.As cannot dig the URL back out.
func (n *Notifier) redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = fmt.Errorf("%s %s: %w", strings.ToLower(ue.Op), n.name, ue.Err)
	}
	msg := err.Error()
	scrubbed := msg
	for _, s := range n.secrets {
		scrubbed = strings.ReplaceAll(scrubbed, s, "[redacted]")
	}
	if scrubbed != msg {
		return &redactedError{msg: scrubbed}
	}
	return &redactedError{msg: msg, err: err}
}

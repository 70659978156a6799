// Package notify posts the game server's online/offline flips to STATUS_WEBHOOK_URL, in
// a body that Discord and Slack incoming webhooks accept as it is. The probe and the
// snapshot never wait for it: Notify only records the latest flip, and one goroutine
// (Run) delivers it, retrying while the webhook is down.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
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

	"statusedge/internal/probe"
)

// Event is one flip of the probe's verdict.
type Event struct {
	Online  bool
	At      time.Time
	Targets []probe.Result
}

// Options tune delivery; zero fields take the defaults in parentheses.
type Options struct {
	Timeout     time.Duration // deadline of one HTTP attempt (10 s)
	MinBackoff  time.Duration // wait before the first retry, doubled after each (1 s)
	MaxBackoff  time.Duration // cap on the wait, and on a 429's Retry-After (1 min)
	MaxAttempts int           // attempts per message before it is dropped (10)
	// Failed, when set, is called after every failed attempt (for a metric); it must not block.
	Failed func()
}

// Notifier delivers Events to one webhook. Its URL is a secret (Discord and Slack put the
// token in the path): it is never logged and never part of an error.
type Notifier struct {
	logger  *slog.Logger
	url     string
	secrets []string // parts of url to scrub from any text that leaves the Notifier
	client  *http.Client
	opts    Options

	wake    chan struct{} // capacity 1: "pending has something", however many Notify calls
	mu      sync.Mutex
	pending *Event
}

// Env is the variable that holds the webhook URL.
const Env = "STATUS_WEBHOOK_URL"

// CheckURL parses a webhook URL: http or https, with a host. Its error never quotes the
// URL, whose path or query is where the token lives.
func CheckURL(webhookURL string) (*url.URL, error) {
	u, err := url.Parse(webhookURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New(Env + ": want an http:// or https:// URL with a host (value not shown: it is a secret)")
	}
	return u, nil
}

// New returns a Notifier for webhookURL; call Run to start delivering. The error never
// contains the URL.
func New(logger *slog.Logger, webhookURL string, o Options) (*Notifier, error) {
	u, err := CheckURL(webhookURL)
	if err != nil {
		return nil, err
	}
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
	// The host (discord.com, hooks.slack.com) is not secret and is useful in a dial
	// error; the path, query and user info are where tokens live.
	secrets := []string{webhookURL, u.String()}
	for _, s := range []string{u.EscapedPath(), u.Path, u.RawQuery, u.User.String()} {
		if len(s) > 1 {
			secrets = append(secrets, s)
		}
	}
	return &Notifier{
		logger:  logger,
		url:     webhookURL,
		secrets: secrets,
		// No client-wide timeout: each attempt has its own context deadline. No redirect
		// is followed: a redirect would carry the message (and, to the same host, the
		// token in the path) wherever the receiver points, and a loop would multiply the
		// POSTs. A webhook that moved answers 3xx, which is logged and not retried.
		client: &http.Client{
			Transport:     http.DefaultTransport.(*http.Transport).Clone(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		opts: o,
		wake: make(chan struct{}, 1),
	}, nil
}

// String keeps the URL out of anything that formats a Notifier with %v.
func (n *Notifier) String() string { return "webhook notifier" }

// Notify queues e for delivery and returns at once. Flips that arrive while a message is
// in flight or waiting to be retried are coalesced: only the latest is delivered, because
// the webhook's readers care about the state now, not about a history of flaps.
func (n *Notifier) Notify(e Event) {
	e.Targets = append([]probe.Result(nil), e.Targets...) // the caller may reuse its slice
	n.mu.Lock()
	n.pending = &e
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default: // a wake-up is already queued; it will find the newest pending event
	}
}

func (n *Notifier) take() (Event, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.pending == nil {
		return Event{}, false
	}
	e := *n.pending
	n.pending = nil
	return e, true
}

// Run delivers queued Events, one message at a time, until ctx ends. An attempt in flight
// when ctx ends is allowed to finish (within Options.Timeout) so that a flip seen just
// before shutdown still has its chance; nothing is retried after that.
func (n *Notifier) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			if e, ok := n.take(); ok {
				n.logger.Warn("webhook message dropped at shutdown", "online", e.Online)
			}
			return
		case <-n.wake:
		}
		if e, ok := n.take(); ok {
			n.deliver(ctx, e)
		}
	}
}

// deliver posts e, retrying transport errors, 5xx and 429 with capped exponential
// back-off. A newer Event arriving during the back-off replaces e and is posted at once.
func (n *Notifier) deliver(ctx context.Context, e Event) {
	for attempt := 1; ; attempt++ {
		retry, wait, err := n.post(ctx, e)
		if err != nil && n.opts.Failed != nil {
			n.opts.Failed()
		}
		if err == nil {
			n.logger.Info("webhook delivered", "online", e.Online, "attempt", attempt)
			return
		}
		if !retry {
			n.logger.Error("webhook refused the message; not retrying", "online", e.Online, "attempt", attempt, "err", err)
			return
		}
		if attempt >= n.opts.MaxAttempts {
			n.logger.Error("webhook failed; giving up on this message", "online", e.Online, "attempts", attempt, "err", err)
			return
		}
		if wait <= 0 {
			wait = min(n.opts.MinBackoff<<(attempt-1), n.opts.MaxBackoff)
			if wait <= 0 { // the shift overflowed
				wait = n.opts.MaxBackoff
			}
		}
		n.logger.Warn("webhook failed; will retry", "online", e.Online, "attempt", attempt, "retry_in", wait.String(), "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			n.logger.Warn("webhook message dropped at shutdown", "online", e.Online)
			return
		case <-n.wake:
			t.Stop()
			if newer, ok := n.take(); ok {
				n.logger.Info("webhook message replaced by a newer flip", "online", e.Online, "newer_online", newer.Online)
				e, attempt = newer, 0
			}
		case <-t.C:
		}
	}
}

// Send posts e once, without retries. The error never contains the URL.
func (n *Notifier) Send(ctx context.Context, e Event) error {
	_, _, err := n.post(ctx, e)
	return err
}

// post makes one attempt. retry says whether a later attempt may succeed; wait is the
// server's Retry-After when it gave one.
func (n *Notifier) post(ctx context.Context, e Event) (retry bool, wait time.Duration, err error) {
	body, err := json.Marshal(newMessage(e))
	if err != nil {
		return false, 0, fmt.Errorf("encode webhook message: %w", err)
	}
	// The attempt in flight survives ctx's cancellation (see Run) but not its own deadline.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return false, 0, n.redact(fmt.Errorf("build webhook request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "statusedge")
	resp, err := n.client.Do(req)
	if err != nil {
		return true, 0, n.redact(err)
	}
	defer resp.Body.Close()
	// Slack explains a refusal in the body ("invalid_payload"); Discord in JSON. Keep a
	// little of it for the log, and drain the rest so the connection is reused.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return false, 0, nil
	case code == http.StatusTooManyRequests:
		return true, n.retryAfter(resp.Header.Get("Retry-After")), n.redact(fmt.Errorf("webhook answered %d: %s", code, bytes.TrimSpace(snippet)))
	case code >= 500:
		return true, 0, n.redact(fmt.Errorf("webhook answered %d: %s", code, bytes.TrimSpace(snippet)))
	default:
		return false, 0, n.redact(fmt.Errorf("webhook answered %d: %s", code, bytes.TrimSpace(snippet)))
	}
}

// retryAfter reads a Retry-After in seconds (Discord and Slack send seconds), capped so
// that a confused server cannot park the notifier for a day.
func (n *Notifier) retryAfter(v string) time.Duration {
	s, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || s <= 0 {
		return 0
	}
	return min(time.Duration(s*float64(time.Second)), n.opts.MaxBackoff)
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
		err = fmt.Errorf("%s webhook: %w", strings.ToLower(ue.Op), ue.Err)
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

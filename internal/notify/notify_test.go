package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/maintenance"
	"statusedge/internal/probe"
)

// token is the secret part of every test webhook URL; it must never reach a log line.
const token = "/api/webhooks/1234567890/s3cr3t-T0KEN"

var at = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func offline(at time.Time) Event {
	return Event{Online: false, At: at, Targets: []probe.Result{
		{Addr: "127.0.0.1:7777", OK: false, LatencyMS: 0, Error: "connection refused"},
		{Addr: "127.0.0.1:7778", OK: true, LatencyMS: 2},
	}}
}

func online(at time.Time) Event {
	return Event{Online: true, At: at, Targets: []probe.Result{{Addr: "127.0.0.1:7777", OK: true, LatencyMS: 12}}}
}

// request is what the test webhook received.
type request struct {
	method, path, contentType string
	body                      []byte
}

// logSink keeps every log line as JSON and reports each message on msgs, so that tests
// wait for what the notifier says it did rather than for time to pass.
type logSink struct {
	harnesstest.LogBuffer
	msgs chan string
}

type recorder struct {
	slog.Handler
	sink *logSink
}

func (r recorder) Handle(ctx context.Context, rec slog.Record) error {
	err := r.Handler.Handle(ctx, rec)
	r.sink.msgs <- rec.Message
	return err
}

func (r recorder) WithAttrs(as []slog.Attr) slog.Handler {
	return recorder{r.Handler.WithAttrs(as), r.sink}
}

func (r recorder) WithGroup(g string) slog.Handler { return recorder{r.Handler.WithGroup(g), r.sink} }

// waitLog waits for the notifier to log msg, skipping other lines.
func (s *logSink) waitLog(t *testing.T, msg string) {
	t.Helper()
	timeout := time.After(30 * time.Second) // a failure bound, not synchronisation
	for {
		select {
		case m := <-s.msgs:
			if m == msg {
				return
			}
		case <-timeout:
			t.Fatalf("no log %q; log so far:\n%s", msg, s)
		}
	}
}

// start runs a Notifier against handler at a URL whose path is the token. At cleanup it
// stops Run and fails the test if the token or the URL appears in any log line.
func start(t *testing.T, handler http.HandlerFunc, o Options) (*Notifier, *logSink) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return startURL(t, srv.URL+token, o)
}

func startURL(t *testing.T, webhook string, o Options) (*Notifier, *logSink) {
	t.Helper()
	sink := &logSink{msgs: make(chan string, 1000)}
	logger := slog.New(recorder{slog.NewJSONHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug}), sink})
	if o.MinBackoff == 0 {
		o.MinBackoff = time.Millisecond
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 10 * time.Millisecond
	}
	if o.State == nil {
		// The readers were told "online" an hour ago: each test's first offline is a flip.
		o.State = &memStore{st: State{Online: true, At: at.Add(-time.Hour), DeliveredAt: at.Add(-time.Hour), ID: "before"}, ok: true}
	}
	n, err := New(logger, webhook, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		checkNoSecret(t, "log", sink.String(), webhook)
	})
	return n, sink
}

func checkNoSecret(t *testing.T, what, text, webhook string) {
	t.Helper()
	for _, s := range []string{webhook, token, "s3cr3t"} {
		if strings.Contains(text, s) {
			t.Errorf("%s shows the webhook secret %q:\n%s", what, s, text)
		}
	}
}

// recording answers every POST with status(i) for the i-th request (from 1) and sends it on reqs.
func recording(reqs chan<- request, status func(i int) int) http.HandlerFunc {
	var mu sync.Mutex
	i := 0
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		i++
		code := status(i)
		mu.Unlock()
		reqs <- request{r.Method, r.URL.Path, r.Header.Get("Content-Type"), body}
		w.WriteHeader(code)
	}
}

func receive(t *testing.T, reqs <-chan request) request {
	t.Helper()
	select {
	case r := <-reqs:
		return r
	case <-time.After(30 * time.Second): // a failure bound, not synchronisation
		t.Fatal("the webhook received no request")
		return request{}
	}
}

func checkBody(t *testing.T, r request, want message) {
	t.Helper()
	if r.method != http.MethodPost || r.path != token || r.contentType != "application/json" {
		t.Errorf("request %s %s (%s), want POST %s (application/json)", r.method, r.path, r.contentType, token)
	}
	var got map[string]any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.body)
	}
	wantBody, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var wantMap map[string]any
	if err := json.Unmarshal(wantBody, &wantMap); err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, got, wantMap) {
		t.Errorf("body = %s\nwant   %s", r.body, wantBody)
	}
}

func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	x, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(x, y)
}

// TestBody pins the exact bytes a webhook receives: Discord's content and Slack's text
// carry the same sentence, beside the structured fields; a flip's body has no
// "maintenance", a window's start and end have it.
func TestBody(t *testing.T) {
	msk := time.FixedZone("MSK", 3*3600)
	w := maintenance.Window{From: at.In(msk), Until: at.Add(150 * time.Minute).In(msk), Message: maintenance.Text{EN: "Weekly restart", RU: "Еженедельный перезапуск"}, Recurring: true}
	tests := []struct {
		name string
		m    message
		want string
	}{
		{"offline", newMessage(offline(at.Add(90 * time.Minute).In(msk))),
			`{"content":"Game server is OFFLINE (127.0.0.1:7777 unreachable: connection refused)","text":"Game server is OFFLINE (127.0.0.1:7777 unreachable: connection refused)","online":false,"at":"2026-11-26T13:30:00Z","targets":[{"addr":"127.0.0.1:7777","ok":false,"latency_ms":0,"error":"connection refused"},{"addr":"127.0.0.1:7778","ok":true,"latency_ms":2,"error":""}]}`},
		{"online", newMessage(online(at)),
			`{"content":"Game server is ONLINE (127.0.0.1:7777 answered in 12 ms)","text":"Game server is ONLINE (127.0.0.1:7777 answered in 12 ms)","online":true,"at":"2026-11-26T12:00:00Z","targets":[{"addr":"127.0.0.1:7777","ok":true,"latency_ms":12,"error":""}]}`},
		{"no targets", newMessage(Event{Online: false, At: at}),
			`{"content":"Game server is OFFLINE","text":"Game server is OFFLINE","online":false,"at":"2026-11-26T12:00:00Z","targets":[]}`},
		{"maintenance started", Pending{Kind: MaintenanceStarted, At: w.From, Window: &w}.message(offline(at).Targets[:1]),
			`{"content":"Game server maintenance started, until 2026-11-26 14:30 UTC: Weekly restart / Еженедельный перезапуск","text":"Game server maintenance started, until 2026-11-26 14:30 UTC: Weekly restart / Еженедельный перезапуск","online":false,"at":"2026-11-26T12:00:00Z","targets":[{"addr":"127.0.0.1:7777","ok":false,"latency_ms":0,"error":"connection refused"}],"maintenance":{"event":"maintenance_started","from":"2026-11-26T12:00:00Z","until":"2026-11-26T14:30:00Z","message":{"en":"Weekly restart","ru":"Еженедельный перезапуск"}}}`},
		{"maintenance ended", Pending{Kind: MaintenanceEnded, Online: true, At: w.Until, Window: &w}.message(nil),
			`{"content":"Game server maintenance ended","text":"Game server maintenance ended","online":true,"at":"2026-11-26T14:30:00Z","targets":[],"maintenance":{"event":"maintenance_ended","from":"2026-11-26T12:00:00Z","until":"2026-11-26T14:30:00Z","message":{"en":"Weekly restart","ru":"Еженедельный перезапуск"}}}`},
		{"maintenance without a message", Pending{Kind: MaintenanceStarted, At: at, Window: &maintenance.Window{From: at, Until: at.Add(time.Hour)}}.message(nil),
			`{"content":"Game server maintenance started, until 2026-11-26 13:00 UTC","text":"Game server maintenance started, until 2026-11-26 13:00 UTC","online":false,"at":"2026-11-26T12:00:00Z","targets":[],"maintenance":{"event":"maintenance_started","from":"2026-11-26T12:00:00Z","until":"2026-11-26T13:00:00Z","message":{"en":"","ru":""}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("body = %s\nwant   %s", b, tt.want)
			}
		})
	}
}

// Discord refuses content over 2000 characters; many failing targets must not get there.
func TestSentenceFitsDiscord(t *testing.T) {
	e := Event{At: at}
	for i := range 200 {
		e.Targets = append(e.Targets, probe.Result{Addr: "game-server-number-" + strings.Repeat("x", i%7) + ".example:7777", Error: "accepted but sent nothing within 3s"})
	}
	if s := Sentence(e); len([]rune(s)) > 2000 || !strings.HasPrefix(s, "Game server is OFFLINE (") {
		t.Errorf("sentence of %d characters: %.80s…", len([]rune(s)), s)
	}
	long := strings.Repeat("Перезапуск ", 300) // an operator's message is not ours to bound
	w := maintenance.Window{From: at, Until: at.Add(time.Hour), Message: maintenance.Text{EN: long, RU: long}}
	if s := MaintenanceSentence(MaintenanceStarted, w); len([]rune(s)) > 2000 || !strings.HasPrefix(s, "Game server maintenance started, until ") || !utf8.ValidString(s) {
		t.Errorf("maintenance sentence of %d characters: %.80s…", len([]rune(s)), s)
	}
}

// TestMaintenanceOnTheWire: a window's start and end reach a real HTTP receiver as
// Discord/Slack bodies; no offline while it is active; the offline follows its end when
// the game server is still down (no gap here).
func TestMaintenanceOnTheWire(t *testing.T) {
	reqs := make(chan request, 10)
	n, logs := start(t, recording(reqs, func(int) int { return http.StatusNoContent }), Options{Now: func() time.Time { return at.Add(3 * time.Hour) }})
	w := maintenance.Window{From: at, Until: at.Add(2 * time.Hour), Message: maintenance.Text{EN: "Weekly restart", RU: "Еженедельный перезапуск"}}
	in := offline(at.Add(time.Minute))
	in.Maintenance = &w
	n.Observe(in)
	checkBody(t, receive(t, reqs), Pending{Kind: MaintenanceStarted, At: at, Window: &w}.message(in.Targets))
	logs.waitLog(t, "webhook delivered")
	n.Observe(in) // the next round, still inside: nothing
	after := offline(at.Add(time.Minute))
	n.Observe(after)
	checkBody(t, receive(t, reqs), Pending{Kind: MaintenanceEnded, At: w.Until, Window: &w}.message(after.Targets))
	checkBody(t, receive(t, reqs), newMessage(after))
	logs.waitLog(t, "webhook delivered")
	logs.waitLog(t, "webhook delivered")
	select {
	case r := <-reqs:
		t.Errorf("an extra request: %s", r.body)
	default:
	}
}

// TestOnePostPerFlip: each flip is one POST with its own body, and nothing else is sent.
func TestOnePostPerFlip(t *testing.T) {
	reqs := make(chan request, 10)
	n, logs := start(t, recording(reqs, func(int) int { return http.StatusNoContent }), Options{})
	flips := []Event{offline(at), online(at.Add(time.Minute)), offline(at.Add(2 * time.Minute))}
	for _, e := range flips {
		n.Observe(e)
		checkBody(t, receive(t, reqs), newMessage(e))
		logs.waitLog(t, "webhook delivered")
	}
	select {
	case r := <-reqs:
		t.Errorf("an extra request after %d flips: %s", len(flips), r.body)
	default:
	}
}

// TestRetryOn500: a webhook answering 500 twice gets the message on the third try.
func TestRetryOn500(t *testing.T) {
	reqs := make(chan request, 10)
	n, logs := start(t, recording(reqs, func(i int) int {
		if i <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}), Options{})
	e := offline(at)
	n.Observe(e)
	for range 3 {
		checkBody(t, receive(t, reqs), newMessage(e))
	}
	logs.waitLog(t, "webhook delivered")
	if got := logs.String(); strings.Count(got, "will retry") != 2 || !strings.Contains(got, `"attempt":3`) {
		t.Errorf("want two retries and delivery at attempt 3; log:\n%s", got)
	}
}

// TestRetryTransportError: a webhook that is not listening yet is retried.
func TestRetryTransportError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	n, logs := startURL(t, "http://"+addr+token, Options{MaxAttempts: 3})
	n.Observe(offline(at))
	logs.waitLog(t, "webhook failed; giving up on this message")
	if got := logs.String(); strings.Count(got, "will retry") != 2 || !strings.Contains(got, "connection refused") {
		t.Errorf("want two retries of a refused connection; log:\n%s", got)
	}
}

// TestNoRetryOn4xx: a 4xx other than 429 is the webhook saying no (deleted, bad body):
// retrying cannot help. A 429 is retried.
func TestNoRetryOn4xx(t *testing.T) {
	reqs := make(chan request, 10)
	n, logs := start(t, recording(reqs, func(i int) int {
		switch i {
		case 1:
			return http.StatusNotFound
		case 2:
			return http.StatusTooManyRequests
		}
		return http.StatusNoContent
	}), Options{})
	// The refused offline is not sent again while the server stays offline; once it is
	// back (nothing to send: the readers were told online) and down again, the new
	// offline is a new message.
	first, second := offline(at), offline(at.Add(2*time.Minute))
	n.Observe(first)
	checkBody(t, receive(t, reqs), newMessage(first))
	logs.waitLog(t, "webhook refused the message; not retrying")
	n.Observe(offline(at))
	n.Observe(online(at.Add(time.Minute)))
	logs.waitLog(t, "webhook message withdrawn: the game server is back to what was last delivered")
	n.Observe(second)
	checkBody(t, receive(t, reqs), newMessage(second)) // 429
	checkBody(t, receive(t, reqs), newMessage(second)) // retried
	logs.waitLog(t, "webhook delivered")
	if got := logs.String(); !strings.Contains(got, "webhook answered 404") {
		t.Errorf("the 404 is not logged:\n%s", got)
	}
}

// TestRedirectsAreNotFollowed: a receiver answering 307 to another host (or to itself,
// a loop) gets one POST per flip; the other host none; the 3xx is logged, not retried.
func TestRedirectsAreNotFollowed(t *testing.T) {
	other := make(chan request, 10)
	elsewhere := httptest.NewServer(recording(other, func(int) int { return http.StatusNoContent }))
	t.Cleanup(elsewhere.Close)
	var self string
	for _, target := range []func() string{func() string { return elsewhere.URL + "/hook" }, func() string { return self }} {
		reqs := make(chan request, 10)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			reqs <- request{r.Method, r.URL.Path, r.Header.Get("Content-Type"), body}
			http.Redirect(w, r, target(), http.StatusTemporaryRedirect)
		}))
		t.Cleanup(srv.Close)
		self = srv.URL + token
		n, logs := startURL(t, srv.URL+token, Options{})
		n.Observe(offline(at))
		checkBody(t, receive(t, reqs), newMessage(offline(at)))
		logs.waitLog(t, "webhook refused the message; not retrying")
		if !strings.Contains(logs.String(), "webhook answered 307") {
			t.Errorf("the 307 is not logged:\n%s", logs.String())
		}
		if n := len(reqs); n != 0 {
			t.Errorf("%d more POSTs to the receiver after its redirect, want none", n)
		}
	}
	if n := len(other); n != 0 {
		t.Errorf("the redirect's target got %d POSTs, want none", n)
	}
}

// TestHungWebhook: a webhook that never answers does not block Observe, and the verdicts
// seen meanwhile are coalesced into the state: the offline in flight is acknowledged at
// last, the server is offline again by then, so nothing else is sent.
func TestHungWebhook(t *testing.T) {
	reqs := make(chan request, 10)
	release := make(chan struct{})
	var once sync.Once
	handler := func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		reqs <- request{r.Method, r.URL.Path, r.Header.Get("Content-Type"), body}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusNoContent)
	}
	releaseAll := func() { once.Do(func() { close(release) }) }
	n, logs := start(t, handler, Options{Timeout: time.Minute})
	t.Cleanup(releaseAll) // before Run stops: cleanups run last-registered first

	a, b, c := offline(at), online(at.Add(time.Minute)), offline(at.Add(2*time.Minute))
	n.Observe(a)
	checkBody(t, receive(t, reqs), newMessage(a)) // in flight, and the webhook hangs
	returned := make(chan struct{})
	go func() {
		n.Observe(b)
		n.Observe(c)
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(30 * time.Second): // a failure bound, not synchronisation
		t.Fatal("Observe blocked while the webhook hangs")
	}
	releaseAll()
	logs.waitLog(t, "webhook delivered")
	n.Observe(c) // the next round: still offline, as delivered
	n.Observe(c)
	select {
	case r := <-reqs:
		t.Errorf("a flip the readers need not hear of was sent: %s", r.body)
	default:
	}
}

// TestDeadline: an attempt that outlives Options.Timeout fails and is retried; its
// error (a *url.Error quoting the URL inside net/http) reaches the log without the URL.
func TestDeadline(t *testing.T) {
	reqs := make(chan request, 10)
	handler := func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets net/http notice the client hanging up, which ends r.Context().
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			t.Error(err)
		}
		reqs <- request{method: r.Method}
		<-r.Context().Done() // hangs until the client gives up
	}
	n, logs := start(t, handler, Options{Timeout: 50 * time.Millisecond, MaxAttempts: 2})
	n.Observe(offline(at))
	receive(t, reqs)
	receive(t, reqs)
	logs.waitLog(t, "webhook failed; giving up on this message")
	if got := logs.String(); !strings.Contains(got, "post webhook: context deadline exceeded") {
		t.Errorf("want the deadline in the log; log:\n%s", got)
	}
}

// TestURLNeverShown: the URL's token is absent from every error and log line, whatever
// fails: a bad URL, a refused connection, a deadline, and a server echoing the URL back.
// (Every test also checks its own log at cleanup.)
func TestURLNeverShown(t *testing.T) {
	t.Run("invalid URL", func(t *testing.T) {
		_, err := New(slog.New(slog.DiscardHandler), "ftp://example.com"+token, Options{})
		if err == nil || !strings.Contains(err.Error(), "STATUS_WEBHOOK_URL") {
			t.Fatalf("err = %v, want one naming STATUS_WEBHOOK_URL", err)
		}
		checkNoSecret(t, "error", err.Error(), "ftp://example.com"+token)
		_, err = New(slog.New(slog.DiscardHandler), "http://[::1"+token, Options{})
		if err == nil {
			t.Fatal("a URL that does not parse was accepted")
		}
		checkNoSecret(t, "error", err.Error(), "http://[::1"+token)
	})
	t.Run("Send errors", func(t *testing.T) {
		echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "unknown webhook "+r.URL.String()+" at http://"+r.Host+r.URL.Path, http.StatusNotFound)
		}))
		t.Cleanup(echo.Close)
		hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Reading the body lets net/http notice the client hanging up, which ends r.Context().
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				t.Error(err)
			}
			<-r.Context().Done()
		}))
		t.Cleanup(hung.Close)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		refused := "http://" + ln.Addr().String() + token
		ln.Close()
		for _, webhook := range []string{echo.URL + token, hung.URL + token, refused, echo.URL + token + "?thread_id=42&user=" + "s3cr3t"} {
			n, err := New(slog.New(slog.DiscardHandler), webhook, Options{Timeout: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			err = n.Send(t.Context(), offline(at))
			if err == nil {
				t.Fatalf("Send succeeded against a failing webhook")
			}
			checkNoSecret(t, "error", err.Error(), webhook)
			// errors.As must not dig the *url.Error back out of the chain.
			for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
				checkNoSecret(t, "wrapped error", e.Error(), webhook)
			}
		}
	})
	t.Run("a Notifier printed with %v", func(t *testing.T) {
		n, err := New(slog.New(slog.DiscardHandler), "https://discord.com"+token, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "notifier", n)
		checkNoSecret(t, "log", buf.String(), "https://discord.com"+token)
	})
}

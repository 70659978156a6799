package notify

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"statusedge/internal/maintenance"
)

// botToken is the test bot's token: it must never reach a log line or an error.
const botToken = "123456789:AAE-s3cr3tBotT0ken_abcdefghij"

// botAPI is a fake Bot API server on loopback: it keeps every sendMessage it receives
// (path, body, when) and answers the i-th (from 1) with answer(i).
type botAPI struct {
	mu       sync.Mutex
	received []botRequest
	got      chan botRequest
	answer   func(i int) (code int, body string)
}

type botRequest struct {
	path, contentType, body string
	when                    time.Time
}

func newBotAPI(t *testing.T, answer func(i int) (int, string)) (*botAPI, string) {
	t.Helper()
	b := &botAPI{got: make(chan botRequest, 100), answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req := botRequest{r.URL.Path, r.Header.Get("Content-Type"), string(body), time.Now()}
		b.mu.Lock()
		b.received = append(b.received, req)
		code, reply := b.answer(len(b.received))
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, reply)
		b.got <- req
	}))
	t.Cleanup(srv.Close)
	return b, srv.URL
}

func (b *botAPI) next(t *testing.T) botRequest {
	t.Helper()
	select {
	case r := <-b.got:
		return r
	case <-time.After(30 * time.Second): // a failure bound, not synchronisation
		t.Fatal("the Bot API received no request")
		return botRequest{}
	}
}

const okReply = `{"ok":true,"result":{"message_id":1}}`

func okAlways(int) (int, string) { return http.StatusOK, okReply }

// startTelegram runs a Telegram Notifier against api; at cleanup it stops Run and fails
// the test if the token appears in any log line.
func startTelegram(t *testing.T, api, lang string, o Options) (*Notifier, *logSink) {
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
		o.State = &memStore{st: State{Online: true, At: at.Add(-time.Hour), DeliveredAt: at.Add(-time.Hour), ID: "before", NotesKnown: true}, ok: true}
	}
	n, err := NewTelegram(logger, Telegram{Token: botToken, Lang: lang, API: api}, "-1001234567890", o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		noToken(t, "log", sink.String())
	})
	return n, sink
}

func noToken(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range []string{botToken, "s3cr3tBotT0ken", "/bot123456789"} {
		if strings.Contains(text, s) {
			t.Errorf("%s shows the bot token (%q):\n%s", what, s, text)
		}
	}
}

var (
	worldX1 = World{ID: "x1", Name: maintenance.Text{EN: "Phoenix", RU: "Феникс"}}
	restart = maintenance.Window{From: at, Until: at.Add(150 * time.Minute), Message: maintenance.Text{EN: "Weekly restart", RU: "Еженедельный перезапуск"}}
	note    = Note{Incident: "20261126T1200Z", At: at.Add(10 * time.Minute), Title: &maintenance.Text{EN: "Login down", RU: "Вход не работает"},
		Message: maintenance.Text{EN: "We are restarting the auth service <db> & cache", RU: "Перезапускаем сервис входа <db> & cache"}}
	players = int64(1234)
)

// messages are one of each event, with the round they are told in.
var messages = []struct {
	name string
	p    Pending
	cur  Event
}{
	{"offline", Pending{Online: false, At: at}, offline(at)},
	{"online", Pending{Online: true, At: at.Add(30 * time.Minute)}, Event{Online: true, At: at.Add(30 * time.Minute), Players: &players}},
	{"maintenance started", Pending{Kind: MaintenanceStarted, At: at, Window: &restart}, offline(at)},
	{"maintenance ended", Pending{Kind: MaintenanceEnded, Online: true, At: restart.Until, Window: &restart}, Event{Online: true, Players: &players}},
	{"incident note", Pending{Kind: IncidentNote, At: note.At, Note: &note}, offline(at)},
}

// TestTelegramBodies pins the exact sendMessage body of each event, EN and RU, with and
// without a world (a worlds file's world is named in the chat's language).
func TestTelegramBodies(t *testing.T) {
	want := map[string]string{
		"offline en":                `{"chat_id":"-1001234567890","text":"🔴 Game server is OFFLINE since 2026-11-26 12:00 UTC","link_preview_options":{"is_disabled":true}}`,
		"offline ru x1":             `{"chat_id":"-1001234567890","text":"🔴 Феникс: Игровой сервер НЕДОСТУПЕН с 2026-11-26 12:00 UTC","link_preview_options":{"is_disabled":true}}`,
		"online en":                 `{"chat_id":"-1001234567890","text":"🟢 Game server is ONLINE since 2026-11-26 12:30 UTC\nPlayers: 1234","link_preview_options":{"is_disabled":true}}`,
		"online ru x1":              `{"chat_id":"-1001234567890","text":"🟢 Феникс: Игровой сервер ДОСТУПЕН с 2026-11-26 12:30 UTC\nИгроков: 1234","link_preview_options":{"is_disabled":true}}`,
		"maintenance started en":    `{"chat_id":"-1001234567890","text":"🔧 Maintenance started, until 2026-11-26 14:30 UTC: Weekly restart","link_preview_options":{"is_disabled":true}}`,
		"maintenance started ru x1": `{"chat_id":"-1001234567890","text":"🔧 Феникс: Начались технические работы, до 2026-11-26 14:30 UTC: Еженедельный перезапуск","link_preview_options":{"is_disabled":true}}`,
		"maintenance ended en":      `{"chat_id":"-1001234567890","text":"✅ Maintenance ended\nPlayers: 1234","link_preview_options":{"is_disabled":true}}`,
		"maintenance ended ru x1":   `{"chat_id":"-1001234567890","text":"✅ Феникс: Технические работы завершены\nИгроков: 1234","link_preview_options":{"is_disabled":true}}`,
		"incident note en":          `{"chat_id":"-1001234567890","text":"📝 Incident 20261126T1200Z: Login down\nWe are restarting the auth service \u003cdb\u003e \u0026 cache","link_preview_options":{"is_disabled":true}}`,
		"incident note ru x1":       `{"chat_id":"-1001234567890","text":"📝 Феникс: Инцидент 20261126T1200Z: Вход не работает\nПерезапускаем сервис входа \u003cdb\u003e \u0026 cache","link_preview_options":{"is_disabled":true}}`,
	}
	for _, m := range messages {
		for _, v := range []struct {
			lang, suffix string
			world        World
		}{{EN, " en", World{}}, {RU, " ru x1", worldX1}} {
			name := m.name + v.suffix
			t.Run(name, func(t *testing.T) {
				c := telegramChannel{endpoint: "http://127.0.0.1/bot" + botToken + "/sendMessage", chat: "-1001234567890", lang: v.lang, world: v.world}
				req, err := c.request(t.Context(), m.p, m.cur)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(req.Body)
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != want[name] {
					t.Errorf("body = %s\nwant   %s", b, want[name])
				}
			})
		}
	}
}

// TestTelegramOnTheWire: the flip and then an operator's note reach a fake Bot API as
// sendMessage to /bot<token>/sendMessage, each once, in order; no log line shows the token.
func TestTelegramOnTheWire(t *testing.T) {
	api, base := newBotAPI(t, okAlways)
	n, logs := startTelegram(t, base, EN, Options{})
	cur := offline(at)
	cur.NotesRead = true
	n.Observe(cur)
	r := api.next(t)
	if r.path != "/bot"+botToken+"/sendMessage" || r.contentType != "application/json" {
		t.Errorf("request to %s (%s), want /bot<token>/sendMessage (application/json)", r.path, r.contentType)
	}
	if want := `{"chat_id":"-1001234567890","text":"🔴 Game server is OFFLINE since 2026-11-26 12:00 UTC","link_preview_options":{"is_disabled":true}}`; r.body != want {
		t.Errorf("body = %s\nwant   %s", r.body, want)
	}
	logs.waitLog(t, "telegram delivered")
	cur.Note = &note
	n.Observe(cur)
	if r := api.next(t); !strings.HasPrefix(r.body, `{"chat_id":"-1001234567890","text":"📝 Incident 20261126T1200Z: Login down\n`) {
		t.Errorf("note body = %s", r.body)
	}
	logs.waitLog(t, "telegram delivered")
	n.Observe(cur) // the same note again: already told
	n.Observe(cur)
	api.mu.Lock()
	count := len(api.received)
	api.mu.Unlock()
	if count != 2 {
		t.Errorf("%d sendMessage calls, want 2", count)
	}
}

// TestTelegramHonoursRetryAfter: a 429 with parameters.retry_after = 2 is tried again
// no sooner than 2 s later (the fake's own clock at each request), not at the 1-ms
// back-off; the message is delivered once.
func TestTelegramHonoursRetryAfter(t *testing.T) {
	api, base := newBotAPI(t, func(i int) (int, string) {
		if i == 1 {
			return http.StatusTooManyRequests, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 2","parameters":{"retry_after":2}}`
		}
		return http.StatusOK, okReply
	})
	n, logs := startTelegram(t, base, RU, Options{MaxBackoff: time.Minute})
	n.Observe(offline(at))
	first, second := api.next(t), api.next(t)
	logs.waitLog(t, "telegram delivered")
	apart := second.when.Sub(first.when)
	t.Logf("429 then the retry %v later", apart.Round(time.Millisecond))
	if apart < 2*time.Second {
		t.Errorf("retried %v after a 429 with retry_after 2, want at least 2 s", apart)
	}
	if first.body != second.body {
		t.Errorf("the retry's body differs: %s / %s", first.body, second.body)
	}
	if !strings.Contains(logs.String(), "Too Many Requests: retry after 2") || !strings.Contains(logs.String(), `"retry_in":"2s"`) {
		t.Errorf("the retry's log does not give Telegram's reason and wait:\n%s", logs)
	}
}

// TestTelegramRefusalIsGivenUp: a 400 (a wrong chat) is not retried, and the log says why.
func TestTelegramRefusalIsGivenUp(t *testing.T) {
	api, base := newBotAPI(t, func(int) (int, string) {
		return http.StatusBadRequest, `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`
	})
	n, logs := startTelegram(t, base, EN, Options{})
	n.Observe(offline(at))
	api.next(t)
	logs.waitLog(t, "telegram refused the message; not retrying")
	if !strings.Contains(logs.String(), "telegram answered 400: Bad Request: chat not found") {
		t.Errorf("log lacks Telegram's reason:\n%s", logs)
	}
}

// TestTelegramTokenNeverShown: a Bot API that cannot be reached, hangs, or echoes the
// request's URL in its reply yields errors without the token; so do the variables'
// errors and a Telegram printed with %v.
func TestTelegramTokenNeverShown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"ok":false,"error_code":502,"description":"upstream failed for `+r.URL.Path+`"}`, http.StatusBadGateway)
	}))
	t.Cleanup(echo.Close)
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			t.Error(err)
		}
		<-r.Context().Done()
	}))
	t.Cleanup(hung.Close)
	for _, api := range []string{refused, echo.URL, hung.URL} {
		n, err := NewTelegram(slog.New(slog.DiscardHandler), Telegram{Token: botToken, Lang: EN, API: api}, "@statusedge_test", Options{Timeout: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		err = n.Send(t.Context(), offline(at))
		if err == nil {
			t.Fatalf("Send succeeded against %s", api)
		}
		t.Logf("error: %v", err)
		for e := err; e != nil; e = errors.Unwrap(e) {
			noToken(t, "error", e.Error())
		}
	}
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("not a token "+botToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, env := range []map[string]string{
		{TokenEnv: "https://api.telegram.org/bot" + botToken},
		{TokenFileEnv: file},
		{TokenEnv: botToken, TokenFileEnv: file},
	} {
		_, err := LoadTelegram(func(k string) string { return env[k] })
		if err == nil {
			t.Fatalf("%v accepted", env)
		}
		noToken(t, "error", err.Error())
	}
	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "telegram", Telegram{Token: botToken, Lang: EN, API: DefaultAPI})
	noToken(t, "log", buf.String())
}

// TestLoadTelegram: the token from its variable or its file (one of the two), the chat,
// the language and the Bot API server, each refused with a line naming its variable.
func TestLoadTelegram(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(botToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadTelegram(func(k string) string {
		return map[string]string{TokenFileEnv: file, ChatEnv: "@phoenix_status", LangEnv: "RU", APIEnv: "http://127.0.0.1:8081/"}[k]
	})
	if err != nil || got != (Telegram{Token: botToken, Chat: "@phoenix_status", Lang: RU, API: "http://127.0.0.1:8081"}) {
		t.Errorf("LoadTelegram = %v, %v", got, err)
	}
	if got, err := LoadTelegram(func(string) string { return "" }); err != nil || got != (Telegram{Lang: EN, API: DefaultAPI}) {
		t.Errorf("LoadTelegram of nothing = %v, %v; want off, en, %s", got, err, DefaultAPI)
	}
	for _, tt := range []struct{ name, value, prefix string }{
		{ChatEnv, "phoenix", ChatEnv + ": "},
		{ChatEnv, "-100 123", ChatEnv + ": "},
		{LangEnv, "de", LangEnv + "=de: "},
		{APIEnv, "ftp://example.com", APIEnv + "="},
		{APIEnv, "https://example.com/?x=1", APIEnv + "="},
	} {
		_, err := LoadTelegram(func(k string) string { return map[string]string{tt.name: tt.value}[k] })
		if err == nil || !strings.HasPrefix(err.Error(), tt.prefix) {
			t.Errorf("%s=%q: %v, want an error starting %q", tt.name, tt.value, err, tt.prefix)
		}
	}
}

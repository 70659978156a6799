package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
)

// testBotToken is the fleet's bot token: no log line of any replica may show it.
const testBotToken = "987654321:AAH-fleetS3cretToken_0123456789"

// botAPI stands in for the Telegram Bot API: it answers every sendMessage with the
// status the test sets (200 with "ok": true, 429 with retry_after 1, or an error) and
// keeps what it acknowledged.
type botAPI struct {
	mu        sync.Mutex
	status    int
	posts     []botPost // every sendMessage, whatever the answer
	delivered []botPost
}

type botPost struct {
	path, id string
	chat     string
	text     string
}

func newBotAPI(t *testing.T, status int) (*botAPI, string) {
	t.Helper()
	b := &botAPI{status: status}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		var m struct {
			ChatID string `json:"chat_id"`
			Text   string `json:"text"`
		}
		if err == nil {
			err = json.Unmarshal(raw, &m)
		}
		if err != nil || m.Text == "" {
			http.Error(w, `{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}`, http.StatusBadRequest)
			return
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		p := botPost{r.URL.Path, r.Header.Get("Idempotency-Key"), m.ChatID, m.Text}
		b.posts = append(b.posts, p)
		w.Header().Set("Content-Type", "application/json")
		switch b.status {
		case http.StatusOK:
			b.delivered = append(b.delivered, p)
			io.WriteString(w, `{"ok":true,"result":{"message_id":1}}`)
		case http.StatusTooManyRequests:
			w.WriteHeader(b.status)
			io.WriteString(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`)
		default:
			w.WriteHeader(b.status)
			fmt.Fprintf(w, `{"ok":false,"error_code":%d,"description":"%s"}`, b.status, http.StatusText(b.status))
		}
	}))
	t.Cleanup(srv.Close)
	return b, srv.URL
}

func (b *botAPI) set(status int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.status = status
}

func (b *botAPI) counts() (posts, delivered []botPost) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]botPost(nil), b.posts...), append([]botPost(nil), b.delivered...)
}

// TestTelegramPendingSurvivesLeaderChange: two snapshotters probe through the leader;
// the game server goes down while the Bot API answers 429 (retry_after 1), so the
// leader's offline message is in retry; the leader is killed (SIGKILL: no chance to say
// anything), the other takes the lease, the Bot API recovers: exactly one offline
// message reaches the chat, in Russian, with the id and text the old leader's attempts
// carried. Then an operator's note on the ongoing incident reaches the chat, once. No
// replica's log shows the token.
func TestTelegramPendingSurvivesLeaderChange(t *testing.T) {
	t.Parallel() // servers of its own; it counts messages, it times nothing
	bin := fleetBin(t)
	db := demoDB(t)
	r, rdb := watchedRedis(t)
	g := harnesstest.GameServer(t, true)
	api, base := newBotAPI(t, http.StatusTooManyRequests)
	env := fleetEnv(db, map[string]string{"REDIS_URL": r.URL()})
	env["GAME_SERVER_ADDR"], env["GAME_SERVER_PROBE"] = g.Addr, "tcp"
	env["STATUS_PROBE_INTERVAL"], env["STATUS_PROBE_TIMEOUT"], env["STATUS_PROBE_FAILURES"] = "1", "1", "2"
	env["STATUS_TELEGRAM_BOT_TOKEN"], env["STATUS_TELEGRAM_CHAT_ID"] = testBotToken, "@phoenix_status"
	env["STATUS_TELEGRAM_LANG"], env["STATUS_TELEGRAM_API_URL"] = "ru", base
	f := startFleet(t, bin, env, 2, 0)
	store := snapshot.NewStore(rdb)
	old := leaderOf(t, f, 10*time.Second)
	waitRounds(t, store, 0, new(true), 10*time.Second) // the leader has seen the server online
	g.Close()
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(20*time.Millisecond, "the Bot API's count"), func(context.Context) error {
		if p, _ := api.counts(); len(p) < 2 {
			return fmt.Errorf("%d sendMessage calls so far, want 2 (an attempt and a retry)", len(p))
		}
		return nil
	})
	if err := old.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	leaderOf(t, f, 3*fleetLease*time.Second, old)
	api.set(http.StatusOK)
	harnesstest.Eventually(t, 30*time.Second, harnesstest.Every(20*time.Millisecond, "the Bot API's deliveries"), func(context.Context) error {
		if _, d := api.counts(); len(d) == 0 {
			return fmt.Errorf("no message delivered yet")
		}
		return nil
	})
	// A few more rounds of the new leader, still offline: nothing more is sent.
	waitRounds(t, store, 3*time.Second, new(false), 15*time.Second)
	posts, d := api.counts()
	t.Logf("%d sendMessage calls, %d delivered: %q", len(posts), len(d), d[0].text)
	if len(d) != 1 || d[0].chat != "@phoenix_status" || !strings.HasPrefix(d[0].text, "🔴 Игровой сервер НЕДОСТУПЕН с ") {
		t.Fatalf("delivered %+v, want exactly one offline message in Russian to @phoenix_status", d)
	}
	for _, p := range posts {
		if p.id != d[0].id || p.text != d[0].text || p.path != "/bot"+testBotToken+"/sendMessage" {
			t.Errorf("sendMessage %+v, want every attempt to carry the one message's id and text", p)
		}
	}
	st, ok, err := store.TelegramState().WebhookState(t.Context())
	if err != nil || !ok || st.Online || st.Pending != nil || st.ID != d[0].id {
		t.Errorf("Telegram state %+v (stored %v, %v), want offline told with id %s, nothing pending", st, ok, err, d[0].id)
	}

	// The operator's note on the ongoing incident, through the command line.
	var out bytes.Buffer
	harnesstest.Eventually(t, 30*time.Second, harnesstest.Every(200*time.Millisecond, "the incident note command"), func(ctx context.Context) error {
		out.Reset()
		return run(ctx, []string{"snapshotter", "incident", "note", "-message-en", "Restarting the login server", "-message-ru", "Перезапускаем сервер входа"},
			harnesstest.Env(env), &out, &out, nil)
	})
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(20*time.Millisecond, "the Bot API's deliveries"), func(context.Context) error {
		if _, d := api.counts(); len(d) < 2 {
			return fmt.Errorf("the note is not delivered yet")
		}
		return nil
	})
	waitRounds(t, store, 2*time.Second, new(false), 15*time.Second)
	_, d = api.counts()
	if len(d) != 2 || !strings.HasPrefix(d[1].text, "📝 Инцидент ") || !strings.HasSuffix(d[1].text, "\nПерезапускаем сервер входа") {
		t.Errorf("delivered %+v, want the offline message then the note, once", d)
	}
	t.Logf("the note: %q", d[len(d)-1].text)
	for _, m := range f.Snapshotters {
		b, err := os.ReadFile(m.Log)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(testBotToken)) || bytes.Contains(b, []byte("fleetS3cretToken")) {
			t.Errorf("%s's log shows the bot token", m.Name)
		}
		if !bytes.Contains(b, []byte("telegram")) {
			t.Errorf("%s's log never mentions telegram: is it the log?", m.Name)
		}
	}
}

// TestHalfTelegramIsRefused: a chat without the bot's token, or the token with no chat,
// stops the snapshotter at start with one line naming the variables, never the token.
func TestHalfTelegramIsRefused(t *testing.T) {
	for _, tt := range []struct {
		env    map[string]string
		prefix string
	}{
		{map[string]string{"STATUS_TELEGRAM_CHAT_ID": "@phoenix_status"}, "STATUS_TELEGRAM_CHAT_ID is set without STATUS_TELEGRAM_BOT_TOKEN"},
		{map[string]string{"STATUS_TELEGRAM_BOT_TOKEN": testBotToken}, "STATUS_TELEGRAM_BOT_TOKEN is set without a chat to post to"},
		{map[string]string{"STATUS_TELEGRAM_BOT_TOKEN": testBotToken, "STATUS_TELEGRAM_CHAT_ID": "@x", "STATUS_TELEGRAM_LANG": "ru"}, "STATUS_TELEGRAM_CHAT_ID: want a chat's number"},
		{map[string]string{"STATUS_TELEGRAM_BOT_TOKEN": "bot" + testBotToken, "STATUS_TELEGRAM_CHAT_ID": "@phoenix_status"}, "STATUS_TELEGRAM_BOT_TOKEN: want a bot token"},
	} {
		tt.env["STATUS_DIR"], tt.env["STATUS_NGINX_CONF"] = t.TempDir(), "none"
		var out bytes.Buffer
		err := run(context.Background(), []string{"snapshotter", "-once"}, harnesstest.Env(tt.env), &out, &out, nil)
		if err == nil || !strings.HasPrefix(err.Error(), tt.prefix) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "fleetS3cretToken") {
			t.Errorf("run = %v, want one line starting %q, without the token", err, tt.prefix)
		}
	}
}

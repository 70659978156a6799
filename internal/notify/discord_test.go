package notify

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"statusedge/internal/maintenance"
)

// TestIsDiscord: Discord's webhook hosts and paths get embeds; Slack and anything else
// keep the plain body.
func TestIsDiscord(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://discord.com/api/webhooks/1/abc":            true,
		"https://discordapp.com/api/webhooks/1/abc":         true,
		"https://canary.discord.com/api/webhooks/1/abc":     true,
		"https://ptb.discordapp.com/api/webhooks/1/abc":     true,
		"https://discord.com/api/v10/webhooks/1/abc":        true,
		"https://DISCORD.com:443/api/webhooks/1/abc":        true,
		"https://discord.com/api/channels/1/messages":       false,
		"https://hooks.slack.com/services/T/B/x":            false,
		"https://discord.com.evil.example/api/webhooks/1/a": false,
		"http://127.0.0.1:8080/api/webhooks/1/abc":          false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := IsDiscord(u); got != want {
			t.Errorf("IsDiscord(%s) = %v, want %v", raw, got, want)
		}
	}
}

// TestDiscordBodies pins the exact embed of each event, for a world of a worlds file.
func TestDiscordBodies(t *testing.T) {
	want := map[string]string{
		"offline":             `{"embeds":[{"title":"Game server is OFFLINE","color":15158332,"timestamp":"2026-11-26T12:00:00Z","fields":[{"name":"Status","value":"Offline","inline":true},{"name":"World","value":"Phoenix\nФеникс","inline":true},{"name":"Since","value":"\u003ct:1795694400:f\u003e","inline":true}]}],"allowed_mentions":{"parse":[]}}`,
		"online":              `{"embeds":[{"title":"Game server is ONLINE","color":3066993,"timestamp":"2026-11-26T12:30:00Z","fields":[{"name":"Status","value":"Online","inline":true},{"name":"World","value":"Phoenix\nФеникс","inline":true},{"name":"Since","value":"\u003ct:1795696200:f\u003e","inline":true},{"name":"Players","value":"1234","inline":true}]}],"allowed_mentions":{"parse":[]}}`,
		"maintenance started": `{"embeds":[{"title":"Maintenance started","description":"Weekly restart\nЕженедельный перезапуск","color":3447003,"timestamp":"2026-11-26T12:00:00Z","fields":[{"name":"Status","value":"Maintenance","inline":true},{"name":"World","value":"Phoenix\nФеникс","inline":true},{"name":"Since","value":"\u003ct:1795694400:f\u003e","inline":true},{"name":"Until","value":"\u003ct:1795703400:f\u003e","inline":true}]}],"allowed_mentions":{"parse":[]}}`,
		"maintenance ended":   `{"embeds":[{"title":"Maintenance ended","color":3066993,"timestamp":"2026-11-26T14:30:00Z","fields":[{"name":"Status","value":"Online","inline":true},{"name":"World","value":"Phoenix\nФеникс","inline":true},{"name":"Since","value":"\u003ct:1795703400:f\u003e","inline":true},{"name":"Players","value":"1234","inline":true}]}],"allowed_mentions":{"parse":[]}}`,
		"incident note":       `{"embeds":[{"title":"Incident 20261126T1200Z: Login down","description":"We are restarting the auth service \u003cdb\u003e \u0026 cache\nПерезапускаем сервис входа \u003cdb\u003e \u0026 cache","color":15844367,"timestamp":"2026-11-26T12:10:00Z","fields":[{"name":"Status","value":"Note","inline":true},{"name":"World","value":"Phoenix\nФеникс","inline":true},{"name":"Since","value":"\u003ct:1795695000:f\u003e","inline":true},{"name":"Incident","value":"20261126T1200Z","inline":true},{"name":"Note","value":"Login down\nВход не работает","inline":true}]}],"allowed_mentions":{"parse":[]}}`,
	}
	for _, m := range messages {
		t.Run(m.name, func(t *testing.T) {
			c := webhookChannel{url: "https://discord.com" + token, discord: true, world: worldX1}
			req, err := c.request(t.Context(), m.p, m.cur)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != want[m.name] {
				t.Errorf("body = %s\nwant   %s", b, want[m.name])
			}
		})
	}
	t.Run("without a worlds file, no World field", func(t *testing.T) {
		b, err := json.Marshal(discordMessage(Pending{At: at}, offline(at), World{}))
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"embeds":[{"title":"Game server is OFFLINE","color":15158332,"timestamp":"2026-11-26T12:00:00Z","fields":[{"name":"Status","value":"Offline","inline":true},{"name":"Since","value":"\u003ct:1795694400:f\u003e","inline":true}]}],"allowed_mentions":{"parse":[]}}`; string(b) != want {
			t.Errorf("body = %s\nwant   %s", b, want)
		}
	})
}

// TestDiscordLimits: the longest note an operator can write (a 200-character title and
// a 2000-character message in each language) and a long world name stay within Discord's
// limits on each part and on the embed's whole text.
func TestDiscordLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("Ж", n) }
	n := Note{Incident: "20261126T1200Z", At: at, Title: &maintenance.Text{EN: long(200), RU: long(200)}, Message: maintenance.Text{EN: long(2000), RU: long(2000)}}
	w := maintenance.Window{From: at, Until: at.Add(time.Hour), Message: maintenance.Text{EN: long(3000), RU: long(3000)}}
	world := World{ID: "x1", Name: maintenance.Text{EN: long(64), RU: long(64)}}
	for _, p := range []Pending{{Kind: IncidentNote, At: at, Note: &n}, {Kind: MaintenanceStarted, At: at, Window: &w}} {
		e := discordMessage(p, offline(at), world).Embeds[0]
		total := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
		if c := utf8.RuneCountInString(e.Title); c > discordTitle {
			t.Errorf("%s: title of %d characters", p.Kind, c)
		}
		if c := utf8.RuneCountInString(e.Description); c > discordDescription {
			t.Errorf("%s: description of %d characters", p.Kind, c)
		}
		if len(e.Fields) > 25 {
			t.Errorf("%s: %d fields", p.Kind, len(e.Fields))
		}
		for _, f := range e.Fields {
			if utf8.RuneCountInString(f.Value) > discordFieldValue || utf8.RuneCountInString(f.Name) > 256 {
				t.Errorf("%s: field %s of %d characters", p.Kind, f.Name, utf8.RuneCountInString(f.Value))
			}
			total += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
		}
		if total > 6000 {
			t.Errorf("%s: %d characters in all, Discord takes 6000", p.Kind, total)
		}
	}
}

// toLoopback sends every request to addr over plain HTTP, whatever its URL's host: the
// notifier believes it talks to discord.com, and the fake receiver is on loopback.
type toLoopback struct{ addr string }

func (l toLoopback) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = "http", l.addr
	return http.DefaultTransport.RoundTrip(r)
}

// TestDiscordOnTheWire: a discord.com webhook gets the embed; a 429 that gives its wait
// only in the JSON body (retry_after 1.5) is tried again no sooner than that.
func TestDiscordOnTheWire(t *testing.T) {
	api, base := newBotAPI(t, func(i int) (int, string) {
		if i == 1 {
			return http.StatusTooManyRequests, `{"message":"You are being rate limited.","retry_after":1.5,"global":false}`
		}
		return http.StatusNoContent, ""
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	webhook := "https://discord.com" + token
	n, logs := startURL(t, webhook, Options{Transport: toLoopback{u.Host}, MaxBackoff: time.Minute})
	n.Observe(offline(at))
	first, second := api.next(t), api.next(t)
	logs.waitLog(t, "webhook delivered")
	apart := second.when.Sub(first.when)
	t.Logf("429 then the retry %v later; body %s", apart.Round(time.Millisecond), second.body)
	if apart < 1500*time.Millisecond {
		t.Errorf("retried %v after Discord's retry_after 1.5, want at least 1.5 s", apart)
	}
	if first.path != token {
		t.Errorf("posted to %s, want the webhook's path", first.path)
	}
	want := fmt.Sprintf(`{"embeds":[{"title":"Game server is OFFLINE","color":15158332,"timestamp":"2026-11-26T12:00:00Z","fields":[{"name":"Status","value":"Offline","inline":true},{"name":"Since","value":"\u003ct:%d:f\u003e","inline":true}]}],"allowed_mentions":{"parse":[]}}`, at.Unix())
	if second.body != want {
		t.Errorf("body = %s\nwant   %s", second.body, want)
	}
}

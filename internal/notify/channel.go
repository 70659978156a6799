package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// channel is where a Notifier delivers: how a message becomes one HTTP request, and what
// the answer means. The delivery rules (state, gap, retries, leaders) are the
// Notifier's alone, the same for every channel.
type channel interface {
	// request builds p's request, with the round cur (its targets, players).
	request(ctx context.Context, p Pending, cur Event) (*http.Request, error)
	// answer reads a response: retry says whether a later attempt may succeed, wait is
	// the receiver's own delay when it gave one, err nil for an acknowledgement.
	answer(code int, h http.Header, body []byte) (retry bool, wait time.Duration, err error)
}

// webhookChannel is STATUS_WEBHOOK_URL: Discord's gets embeds, any other receiver (Slack,
// a bot) the plain body it always had.
type webhookChannel struct {
	url     string
	discord bool
	world   World
}

func (c webhookChannel) request(ctx context.Context, p Pending, cur Event) (*http.Request, error) {
	var body any = p.message(cur.Targets)
	if c.discord {
		body = discordMessage(p, cur, c.world)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

func (c webhookChannel) answer(code int, h http.Header, body []byte) (bool, time.Duration, error) {
	switch {
	case code >= 200 && code < 300:
		return false, 0, nil
	case code == http.StatusTooManyRequests:
		wait := seconds(h.Get("Retry-After"))
		if wait == 0 {
			// Discord gives the wait in the JSON body too, to the millisecond.
			var d struct {
				RetryAfter json.Number `json:"retry_after"`
			}
			if json.Unmarshal(body, &d) == nil {
				wait = seconds(d.RetryAfter.String())
			}
		}
		return true, wait, answered("webhook", code, body)
	case code >= 500:
		return true, 0, answered("webhook", code, body)
	}
	return false, 0, answered("webhook", code, body)
}

// IsDiscord says whether u is a Discord webhook (discord.com/api/webhooks/..., also the
// older discordapp.com and the ptb and canary hosts, with or without an API version).
func IsDiscord(u *url.URL) bool {
	switch strings.ToLower(u.Hostname()) {
	case "discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com", "ptb.discordapp.com", "canary.discordapp.com":
	default:
		return false
	}
	p := u.Path
	if rest, ok := strings.CutPrefix(p, "/api/v"); ok {
		if i := strings.IndexByte(rest, '/'); i > 0 {
			p = "/api" + rest[i:]
		}
	}
	return strings.HasPrefix(p, "/api/webhooks/")
}

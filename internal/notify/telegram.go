package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// The Telegram variables.
const (
	TokenEnv     = "STATUS_TELEGRAM_BOT_TOKEN"
	TokenFileEnv = TokenEnv + "_FILE"
	ChatEnv      = "STATUS_TELEGRAM_CHAT_ID"
	LangEnv      = "STATUS_TELEGRAM_LANG"
	APIEnv       = "STATUS_TELEGRAM_API_URL"
	// DefaultAPI is Telegram's own Bot API server.
	DefaultAPI = "https://api.telegram.org"
)

// TelegramNames lists the Telegram variables (for config.Names).
func TelegramNames() []string { return []string{TokenEnv, TokenFileEnv, ChatEnv, LangEnv, APIEnv} }

// Telegram is the bot a deployment posts with: its token (a secret), the default chat,
// the chats' language and the Bot API server.
type Telegram struct {
	Token string
	Chat  string // STATUS_TELEGRAM_CHAT_ID; a world's telegram_chat_id overrides it
	Lang  string // EN or RU
	API   string // DefaultAPI, or a self-hosted (or a test's) server; no trailing slash
}

// String keeps the token out of anything that formats a Telegram with %v.
func (t Telegram) String() string {
	return fmt.Sprintf("telegram bot (token set: %v, chat %q, lang %s, api %s)", t.Token != "", t.Chat, t.Lang, t.API)
}

// GoString too, for %#v.
func (t Telegram) GoString() string { return t.String() }

// A bot token is "<bot id>:<secret>"; anything else in the URL path would be a
// mistake (a pasted URL, a newline from a secret file) or a path of its own.
var tokenForm = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$`)

// A chat is a number (groups are negative, channels -100...) or a public @channelname.
var chatForm = regexp.MustCompile(`^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$`)

// CheckChat checks a chat id, from STATUS_TELEGRAM_CHAT_ID or a world's telegram_chat_id.
func CheckChat(v string) error {
	if !chatForm.MatchString(v) {
		return fmt.Errorf("want a chat's number (-100... for a channel) or @channelname, got %q", v)
	}
	return nil
}

// LoadTelegram reads the Telegram variables. Without a token (nor its file) the result
// has no Token: Telegram is off, and a chat id is refused by the caller that finds one.
// Errors name the variable and never quote the token.
func LoadTelegram(getenv func(string) string) (Telegram, error) {
	t := Telegram{Token: getenv(TokenEnv), Chat: strings.TrimSpace(getenv(ChatEnv)),
		Lang: strings.ToLower(strings.TrimSpace(getenv(LangEnv))), API: strings.TrimSpace(getenv(APIEnv))}
	if f := getenv(TokenFileEnv); f != "" {
		if t.Token != "" {
			return Telegram{}, errors.New(TokenFileEnv + ": set together with " + TokenEnv + "; use one")
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return Telegram{}, fmt.Errorf("%s: %w", TokenFileEnv, err)
		}
		// Secret files usually end in a newline that is not part of the token.
		t.Token = strings.TrimRight(string(b), "\r\n")
		if t.Token == "" {
			return Telegram{}, errors.New(TokenFileEnv + ": the file is empty")
		}
	}
	if t.Token != "" && !tokenForm.MatchString(t.Token) {
		return Telegram{}, errors.New(TokenEnv + ": want a bot token as BotFather gives it, <digits>:<letters, digits, _ or -> (value not shown: it is a secret)")
	}
	if t.Chat != "" {
		if err := CheckChat(t.Chat); err != nil {
			return Telegram{}, fmt.Errorf("%s: %w", ChatEnv, err)
		}
	}
	switch t.Lang {
	case "":
		t.Lang = EN
	case EN, RU:
	default:
		return Telegram{}, fmt.Errorf("%s=%s: want en or ru", LangEnv, t.Lang)
	}
	if t.API == "" {
		t.API = DefaultAPI
	}
	u, err := url.Parse(t.API)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return Telegram{}, fmt.Errorf("%s=%s: want an http:// or https:// URL with a host, no query", APIEnv, t.API)
	}
	t.API = strings.TrimRight(t.API, "/")
	return t, nil
}

// NewTelegram returns a Notifier that posts to chat (t.Chat, or a world's own) with t's
// bot; call Run to start delivering. Options.State must be the chat's own state (not the
// webhook's): each channel tells its readers what they have not heard.
func NewTelegram(logger *slog.Logger, t Telegram, chat string, o Options) (*Notifier, error) {
	if !tokenForm.MatchString(t.Token) {
		return nil, errors.New(TokenEnv + ": not a bot token (value not shown: it is a secret)")
	}
	if err := CheckChat(chat); err != nil {
		return nil, fmt.Errorf("%s: %w", ChatEnv, err)
	}
	if _, ok := wordsOf[t.Lang]; !ok {
		return nil, fmt.Errorf("%s=%s: want en or ru", LangEnv, t.Lang)
	}
	endpoint := t.API + "/bot" + t.Token + "/sendMessage"
	// The token is in the path: net/http quotes the URL in its errors, and a proxy or a
	// self-hosted server may echo the path.
	secrets := []string{endpoint, t.Token, url.PathEscape(t.Token)}
	ch := telegramChannel{endpoint: endpoint, chat: chat, lang: t.Lang, world: o.World}
	return newNotifier(logger, "telegram", ch, secrets, o), nil
}

// telegramChannel posts sendMessage to one chat.
type telegramChannel struct {
	endpoint string // a secret: the token is in it
	chat     string
	lang     string
	world    World
}

// sendMessage is the Bot API's request: plain text (no parse mode, so that an
// operator's "<" or "&" is shown as typed, never refused as bad markup), no link preview
// (a note's link would otherwise take half the chat).
type sendMessage struct {
	ChatID             string `json:"chat_id"`
	Text               string `json:"text"`
	LinkPreviewOptions struct {
		IsDisabled bool `json:"is_disabled"`
	} `json:"link_preview_options"`
}

func (c telegramChannel) request(ctx context.Context, p Pending, cur Event) (*http.Request, error) {
	m := sendMessage{ChatID: c.chat, Text: chatText(c.lang, p, cur, c.world)}
	m.LinkPreviewOptions.IsDisabled = true
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// botAnswer is the Bot API's reply: {"ok": false, "error_code": 429, "description":
// "...", "parameters": {"retry_after": 3}}.
type botAnswer struct {
	OK          bool   `json:"ok"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func (c telegramChannel) answer(code int, h http.Header, body []byte) (bool, time.Duration, error) {
	var a botAnswer
	jsonErr := json.Unmarshal(body, &a)
	fail := func() error {
		if jsonErr == nil && a.Description != "" {
			return fmt.Errorf("telegram answered %d: %s", code, a.Description)
		}
		return answered("telegram", code, body)
	}
	switch {
	case code == http.StatusOK && jsonErr == nil && a.OK:
		return false, 0, nil
	case code == http.StatusTooManyRequests:
		wait := time.Duration(a.Parameters.RetryAfter) * time.Second
		if wait <= 0 {
			wait = seconds(h.Get("Retry-After"))
		}
		return true, wait, fail()
	case code >= 500:
		return true, 0, fail()
	case code == http.StatusOK:
		// 200 without "ok": true is not Telegram (a proxy's page, a captive portal): the
		// message may not have arrived, and a later attempt may reach the Bot API.
		return true, 0, errors.New("telegram answered 200 without \"ok\": true")
	}
	return false, 0, fail()
}

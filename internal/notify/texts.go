package notify

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"statusedge/internal/maintenance"
)

// Languages a chat may read.
const (
	EN = "en"
	RU = "ru"
)

// utcMinute is how the channels that speak to people date things: a channel's readers
// are in every time zone, so the zone is said.
const utcMinute = "2006-01-02 15:04 UTC"

// words are one language's parts of the channels' sentences.
type words struct {
	offline, online, since, players string
	started, until, ended           string
	incident                        string
}

var wordsOf = map[string]words{
	EN: {offline: "Game server is OFFLINE", online: "Game server is ONLINE", since: " since ", players: "Players: ",
		started: "Maintenance started", until: ", until ", ended: "Maintenance ended", incident: "Incident "},
	RU: {offline: "Игровой сервер НЕДОСТУПЕН", online: "Игровой сервер ДОСТУПЕН", since: " с ", players: "Игроков: ",
		started: "Начались технические работы", until: ", до ", ended: "Технические работы завершены", incident: "Инцидент "},
}

// in is t in lang, or in the other language when that one is empty.
func in(lang string, t maintenance.Text) string {
	en, ru := strings.TrimSpace(t.EN), strings.TrimSpace(t.RU)
	if lang == RU && ru != "" || en == "" {
		return ru
	}
	return en
}

// headline is p's first line in lang, without the world: "Game server is OFFLINE since
// 2026-12-07 17:00 UTC", "Maintenance started, until ...: <text>", "Incident <id>: <title>".
func headline(lang string, p Pending) string {
	w := wordsOf[lang]
	switch p.Kind {
	case MaintenanceStarted:
		s := w.started
		if p.Window != nil {
			s += w.until + p.Window.Until.UTC().Format(utcMinute)
			if t := in(lang, p.Window.Message); t != "" {
				s += ": " + t
			}
		}
		return s
	case MaintenanceEnded:
		return w.ended
	case IncidentNote:
		if p.Note == nil {
			return w.incident
		}
		s := w.incident + p.Note.Incident
		if p.Note.Title != nil {
			if t := in(lang, *p.Note.Title); t != "" {
				s += ": " + t
			}
		}
		return s
	}
	s := w.offline
	if p.Online {
		s = w.online
	}
	return s + w.since + p.At.UTC().Format(utcMinute)
}

// icon marks p's kind at the start of a chat message.
func icon(p Pending) string {
	switch p.Kind {
	case MaintenanceStarted:
		return "🔧"
	case MaintenanceEnded:
		return "✅"
	case IncidentNote:
		return "📝"
	}
	if p.Online {
		return "🟢"
	}
	return "🔴"
}

// playersOf is the count a message shows: only with an online server (an offline one's
// last count is history), and only when counted.
func playersOf(p Pending, cur Event) (int64, bool) {
	if p.Kind == IncidentNote || !p.Online || !cur.Online || cur.Players == nil {
		return 0, false
	}
	return *cur.Players, true
}

// chatText is p's Telegram message in lang: the icon, the world, the headline; then the
// players, or the note's message.
func chatText(lang string, p Pending, cur Event, world World) string {
	s := icon(p) + " "
	if world.ID != "" {
		s += in(lang, world.Name) + ": "
	}
	s += headline(lang, p)
	if n, ok := playersOf(p, cur); ok {
		s += "\n" + wordsOf[lang].players + strconv.FormatInt(n, 10)
	}
	if p.Kind == IncidentNote && p.Note != nil {
		s += "\n" + in(lang, p.Note.Message)
	}
	return cut(s, maxChatText)
}

// maxChatText is Telegram's limit on a message's text, in characters.
const maxChatText = 4096

// cut keeps s within limit characters (runes), marking a cut with "…".
func cut(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return string(r[:limit-1]) + "…"
}

// unix is t as Discord's timestamp markup, shown in each reader's own zone.
func unix(t time.Time) string { return "<t:" + strconv.FormatInt(t.Unix(), 10) + ":f>" }

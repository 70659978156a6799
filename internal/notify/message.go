package notify

import (
	"fmt"
	"strings"
	"time"

	"statusedge/internal/maintenance"
	"statusedge/internal/probe"
)

// message is the webhook body. Discord reads "content" and Slack reads "text", and both
// ignore fields they do not know, so one body serves both; the structured fields are for
// anything else (a bot, a log pipeline) that receives it.
type message struct {
	Content string         `json:"content"`
	Text    string         `json:"text"`
	Online  bool           `json:"online"`
	At      string         `json:"at"`
	Targets []probe.Result `json:"targets"`
	// Maintenance is set on the start and end of a window only, so that a flip's body
	// stays what it was.
	Maintenance *windowBody `json:"maintenance,omitempty"`
	// Note is set on an operator's note only.
	Note *noteBody `json:"note,omitempty"`
}

// noteBody is a note message's note, for receivers that read fields.
type noteBody struct {
	Event    Kind              `json:"event"` // incident_note
	Incident string            `json:"incident"`
	Title    *maintenance.Text `json:"title"`
	Message  maintenance.Text  `json:"message"`
}

// windowBody is a maintenance message's window, for receivers that read fields.
type windowBody struct {
	Event   Kind             `json:"event"` // maintenance_started or maintenance_ended
	From    string           `json:"from"`
	Until   string           `json:"until"`
	Message maintenance.Text `json:"message"`
}

// maxSentence keeps the sentence under Discord's 2000-character limit on content, which
// a long list of failing targets could otherwise pass (Discord would answer 400).
const maxSentence = 1900

func newMessage(e Event) message {
	s := Sentence(e)
	targets := e.Targets
	if targets == nil {
		targets = []probe.Result{} // "targets": [] rather than null
	}
	return message{Content: s, Text: s, Online: e.Online, At: e.At.UTC().Format(time.RFC3339), Targets: targets}
}

// message is p's body, with the round's targets.
func (p Pending) message(targets []probe.Result) message {
	m := newMessage(Event{Online: p.Online, At: p.At, Targets: targets})
	if p.Kind == IncidentNote && p.Note != nil {
		m.Content = NoteSentence(*p.Note)
		m.Text = m.Content
		m.Note = &noteBody{Event: IncidentNote, Incident: p.Note.Incident, Title: p.Note.Title, Message: p.Note.Message}
		return m
	}
	if p.Kind == Flip || p.Window == nil {
		return m
	}
	w := p.Window
	m.Content = MaintenanceSentence(p.Kind, *w)
	m.Text = m.Content
	m.Maintenance = &windowBody{Event: p.Kind, From: w.From.UTC().Format(time.RFC3339), Until: w.Until.UTC().Format(time.RFC3339), Message: w.Message}
	return m
}

// NoteSentence is the human line of an operator's note, e.g. "Incident 20261207T1700Z:
// Login down / Вход не работает: Fixing the database / Чиним базу".
func NoteSentence(n Note) string {
	s := "Incident " + n.Incident
	if n.Title != nil {
		s += ": " + bilingual(*n.Title)
	}
	if m := bilingual(n.Message); m != "" {
		s += ": " + m
	}
	if len(s) > maxSentence {
		s = strings.ToValidUTF8(s[:maxSentence], "") + "…"
	}
	return s
}

// bilingual is "EN / RU", or the one given.
func bilingual(t maintenance.Text) string {
	var texts []string
	for _, s := range []string{t.EN, t.RU} {
		if s = strings.TrimSpace(s); s != "" {
			texts = append(texts, s)
		}
	}
	return strings.Join(texts, " / ")
}

// MaintenanceSentence is the human line of a window's start or end, e.g. "Game server
// maintenance started, until 2026-12-02 14:30 UTC: Weekly restart / Еженедельный
// перезапуск", or "Game server maintenance ended". The end is in UTC: a channel's
// readers are in every time zone, and the page shows each his own.
func MaintenanceSentence(k Kind, w maintenance.Window) string {
	if k == MaintenanceEnded {
		return "Game server maintenance ended"
	}
	s := "Game server maintenance started, until " + w.Until.UTC().Format("2006-01-02 15:04 UTC")
	var texts []string
	for _, t := range []string{w.Message.EN, w.Message.RU} {
		if t = strings.TrimSpace(t); t != "" {
			texts = append(texts, t)
		}
	}
	if len(texts) > 0 {
		s += ": " + strings.Join(texts, " / ")
	}
	if len(s) > maxSentence {
		s = strings.ToValidUTF8(s[:maxSentence], "") + "…"
	}
	return s
}

// Sentence is the human line of a flip, e.g. "Game server is OFFLINE (127.0.0.1:7777
// unreachable: connection refused)". Offline names the targets that failed; online,
// how fast each target answered.
func Sentence(e Event) string {
	var parts []string
	for _, r := range e.Targets {
		switch {
		case e.Online && r.OK:
			parts = append(parts, fmt.Sprintf("%s answered in %d ms", r.Addr, r.LatencyMS))
		case !e.Online && !r.OK && r.Error != "":
			parts = append(parts, fmt.Sprintf("%s unreachable: %s", r.Addr, r.Error))
		case !e.Online && !r.OK:
			parts = append(parts, r.Addr+" unreachable")
		}
	}
	s := "Game server is OFFLINE"
	if e.Online {
		s = "Game server is ONLINE"
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	if len(s) > maxSentence {
		s = strings.ToValidUTF8(s[:maxSentence], "") + "…)"
	}
	return s
}

package notify

import (
	"fmt"
	"strings"
	"time"

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

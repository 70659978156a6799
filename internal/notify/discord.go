package notify

import (
	"strconv"
	"strings"
	"time"
)

// Discord's limits on an embed, in characters.
const (
	discordTitle       = 256
	discordDescription = 4096
	discordFieldValue  = 1024
)

// The embed's colours (Discord's own palette): red down, green up, blue planned, yellow
// an operator's word.
const (
	colorOffline     = 15158332 // #E74C3C
	colorOnline      = 3066993  // #2ECC71
	colorMaintenance = 3447003  // #3498DB
	colorNote        = 15844367 // #F1C40F
)

type discordBody struct {
	Embeds []embed `json:"embeds"`
	// AllowedMentions with no parse: an operator's "@everyone" in a note or a window's
	// text is shown, never pings a whole server.
	AllowedMentions struct {
		Parse []string `json:"parse"`
	} `json:"allowed_mentions"`
}

type embed struct {
	Title       string  `json:"title"`
	Description string  `json:"description,omitempty"`
	Color       int     `json:"color"`
	Timestamp   string  `json:"timestamp"`
	Fields      []field `json:"fields"`
}

type field struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
}

// both is a text in English then Russian, one line each, or the one given.
func both(en, ru string) string {
	en, ru = strings.TrimSpace(en), strings.TrimSpace(ru)
	switch {
	case en == "" || en == ru:
		return ru
	case ru == "":
		return en
	}
	return en + "\n" + ru
}

// discordMessage is p as a Discord embed: the state in colour and fields, the window's
// or the note's text in both languages.
func discordMessage(p Pending, cur Event, world World) discordBody {
	e := embed{Timestamp: p.At.UTC().Format(time.RFC3339)}
	status := "Offline"
	if p.Online {
		status = "Online"
	}
	e.Color = colorOffline
	if p.Online {
		e.Color = colorOnline
	}
	title := headline(EN, p)
	switch p.Kind {
	case Flip:
		title = wordsOf[EN].offline
		if p.Online {
			title = wordsOf[EN].online
		}
	case MaintenanceStarted:
		title, status, e.Color = wordsOf[EN].started, "Maintenance", colorMaintenance
		if p.Window != nil {
			e.Description = both(p.Window.Message.EN, p.Window.Message.RU)
		}
	case MaintenanceEnded:
		e.Color = colorOnline
		if !p.Online {
			e.Color = colorOffline
		}
	case IncidentNote:
		status, e.Color = "Note", colorNote
		if p.Note != nil {
			e.Description = both(p.Note.Message.EN, p.Note.Message.RU)
		}
	}
	e.Title = cut(title, discordTitle)
	e.Description = cut(e.Description, discordDescription)
	add := func(name, value string) {
		e.Fields = append(e.Fields, field{Name: name, Value: cut(value, discordFieldValue), Inline: true})
	}
	add("Status", status)
	if world.ID != "" {
		add("World", both(world.Name.EN, world.Name.RU))
	}
	add("Since", unix(p.At))
	if n, ok := playersOf(p, cur); ok {
		add("Players", strconv.FormatInt(n, 10))
	}
	if p.Kind == MaintenanceStarted && p.Window != nil {
		add("Until", unix(p.Window.Until))
	}
	if p.Kind == IncidentNote && p.Note != nil {
		add("Incident", p.Note.Incident)
		if t := p.Note.Title; t != nil {
			add("Note", both(t.EN, t.RU))
		}
	}
	b := discordBody{Embeds: []embed{e}}
	b.AllowedMentions.Parse = []string{}
	return b
}

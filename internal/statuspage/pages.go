package statuspage

import (
	"bytes"
	"html/template"
	"time"
)

// Pages are the pages Statuspage's shortlinks open, by id: one small HTML page per
// incident and maintenance of in, in English and in Russian, with its status, its times
// (UTC) and its updates, newest first. Static: a bot's link opens it without scripts.
func Pages(in Input) map[string][]byte {
	out := make(map[string][]byte, len(in.Incidents)+len(in.Maintenances))
	for _, inc := range in.Incidents {
		out[inc.ID] = render(in.Page, pageOf(inc, string(inc.Status), nil))
	}
	for _, m := range in.Maintenances {
		out[m.ID] = render(in.Page, pageOf(m.Incident, string(m.Status), &m))
	}
	return out
}

// shortPage is what one page shows.
type shortPage struct {
	ID, Name, NameRU, Status, StatusRU string
	Started, Resolved, From, Until     string // "" when the incident has none
	Updates                            []shortUpdate
}

type shortUpdate struct{ At, Status, StatusRU, Body, BodyRU string }

// statusRU is status as the Russian page says it.
func statusRU(status string) string {
	switch status {
	case "investigating":
		return "выясняем причину"
	case "identified":
		return "причина найдена"
	case "monitoring":
		return "наблюдаем"
	case "resolved":
		return "решено"
	case "postmortem":
		return "разбор"
	case "scheduled":
		return "запланировано"
	case "in_progress":
		return "идут работы"
	case "verifying":
		return "проверяем"
	case "completed":
		return "завершено"
	}
	return status
}

func pageOf(inc Incident, status string, m *Maintenance) shortPage {
	when := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
	p := shortPage{ID: inc.ID, Name: inc.Name, NameRU: inc.NameRU, Status: status, StatusRU: statusRU(status)}
	if p.NameRU == "" {
		p.NameRU = inc.Name
	}
	if m != nil {
		p.From, p.Until = when(m.ScheduledFor), when(m.ScheduledUntil)
	} else {
		started := inc.StartedAt
		if started.IsZero() {
			started = inc.CreatedAt
		}
		p.Started = when(started)
		if inc.ResolvedAt != nil {
			p.Resolved = when(*inc.ResolvedAt)
		}
	}
	for _, u := range inc.Updates {
		ru := u.BodyRU
		if ru == "" {
			ru = u.Body
		}
		p.Updates = append(p.Updates, shortUpdate{At: when(u.DisplayAt), Status: string(u.Status), StatusRU: statusRU(string(u.Status)), Body: u.Body, BodyRU: ru})
	}
	return p
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.P.Name}} · {{.Page.Name}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}section+section{border-top:1px solid #ccc;margin-top:2rem}.s{font-weight:600}</style>
</head><body>
<p><a href="{{.Page.URL}}">{{.Page.Name}}</a></p>
<section lang="en"><h1>{{.P.Name}}</h1>
<p class="s">Status: {{.P.Status}}</p>
{{- if .P.From}}<p>Scheduled: {{.P.From}} – {{.P.Until}}</p>{{end}}
{{- if .P.Started}}<p>Started: {{.P.Started}}</p>{{end}}
{{- if .P.Resolved}}<p>Resolved: {{.P.Resolved}}</p>{{end}}
{{- range .P.Updates}}<p><b>{{.Status}}</b> · {{.At}}<br>{{.Body}}</p>{{end}}
</section>
<section lang="ru"><h1>{{.P.NameRU}}</h1>
<p class="s">Статус: {{.P.StatusRU}}</p>
{{- if .P.From}}<p>Запланировано: {{.P.From}} – {{.P.Until}}</p>{{end}}
{{- if .P.Started}}<p>Началось: {{.P.Started}}</p>{{end}}
{{- if .P.Resolved}}<p>Завершилось: {{.P.Resolved}}</p>{{end}}
{{- range .P.Updates}}<p><b>{{.StatusRU}}</b> · {{.At}}<br>{{.BodyRU}}</p>{{end}}
</section>
</body></html>
`))

func render(page Page, p shortPage) []byte {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, struct {
		Page Page
		P    shortPage
	}{page, p}); err != nil {
		// Strings only, into a buffer: the template's own checks passed at Must.
		panic("render an incident page: " + err.Error())
	}
	return buf.Bytes()
}

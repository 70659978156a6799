package nginx_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"statusedge/internal/history"
	"statusedge/internal/maintenance"
	"statusedge/internal/publish"
	"statusedge/internal/samples"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// The fixtures of the history tests: documents in the shapes the snapshotter publishes
// them (internal/history, the status document's status, maintenance and
// next_maintenance), published into a test nginx's STATUS_DIR.

// visitorZone is the browser's time zone in the history tests: the page shows times in
// it, never in UTC nor in the server's zone.
const visitorZone = "Europe/Moscow"

func visitorLoc(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(visitorZone)
	if err != nil {
		t.Fatalf("time zone %s: %v (install tzdata)", visitorZone, err)
	}
	return loc
}

// inVisitorZone makes the tab's clock the visitor's, and the tab focused.
func inVisitorZone(t *testing.T, tab context.Context) {
	t.Helper()
	if _, err := chromedp.Call(tab, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: visitorZone}); err != nil {
		t.Fatal(err)
	}
	// A headless tab is never the focused window: without this, focus fires no events.
	if _, err := chromedp.Call(tab, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
}

// uptimeOf is history.Day's formula: 100 * (1 - down/(up+down)) floored to two decimals.
func uptimeOf(up, down int) *float64 {
	if up+down == 0 {
		return nil
	}
	u := math.Floor(10000*(1-float64(down)/float64(up+down))) / 100
	return &u
}

// mixedDays are 90 days up to now: the 5 oldest without data, and, counted in days ago,
// 3: 7 minutes down (99.51), 7: 2 hours of maintenance in an up day, 12: 90 minutes down
// (93.75), 15: maintenance only, 20: 300 down (79.16), 30: 60 down (95.83); today is up
// but for the last outage minutes.
func mixedDays(now time.Time, outage time.Duration) []history.Day {
	today := now.UTC().Truncate(24 * time.Hour)
	sofar := int(now.Sub(today) / time.Minute)
	days := make([]history.Day, 90)
	for i := range days {
		d := history.Day{Date: today.AddDate(0, 0, i-89).Format(time.DateOnly), Up: 1440}
		switch ago := 89 - i; {
		case ago >= 85:
			d.Up, d.NoData = 0, 1440
		case ago == 0:
			d.Down = min(sofar, int(outage/time.Minute))
			d.Up = sofar - d.Down
		case ago == 3:
			d.Up, d.Down = 1433, 7
		case ago == 7:
			d.Up, d.Maintenance = 1320, 120
		case ago == 12:
			d.Up, d.Down = 1350, 90
		case ago == 15:
			d.Up, d.Maintenance, d.NoData = 0, 120, 1320
		case ago == 20:
			d.Up, d.Down = 1140, 300
		case ago == 30:
			d.Up, d.Down = 1380, 60
		}
		d.Uptime = uptimeOf(d.Up, d.Down)
		days[i] = d
	}
	return days
}

// dayAgo is the UTC date n days before now, as the history names days.
func dayAgo(now time.Time, n int) string {
	return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -n).Format(time.DateOnly)
}

// uptimes sums the last n days (the last 24 h: today's outage in a day otherwise up).
func uptimes(days []history.Day, outage time.Duration) history.Uptime {
	sum := func(n int) *float64 {
		up, down := 0, 0
		for _, d := range days[len(days)-n:] {
			up, down = up+d.Up, down+d.Down
		}
		return uptimeOf(up, down)
	}
	out := int(outage / time.Minute)
	return history.Uptime{H24: uptimeOf(1440-out, out), D7: sum(7), D30: sum(30), D90: sum(90)}
}

// pastIncident is a resolved incident that began at 10:15 UTC n days ago.
func pastIncident(now time.Time, n, minutes int, title *maintenance.Text, updates ...history.Update) history.Incident {
	start := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -n).Add(10*time.Hour + 15*time.Minute)
	end := start.Add(time.Duration(minutes) * time.Minute)
	if updates == nil {
		updates = []history.Update{}
	}
	return history.Incident{ID: start.Format("20060102T1504Z"), StartedAt: start, EndedAt: &end, Minutes: minutes, Title: title, Updates: updates}
}

// nextWeekly is the next 01:00 UTC (04:00 in Moscow), within the 24 h announcement span.
func nextWeekly(now time.Time) maintenance.Window {
	from := now.UTC().Truncate(24 * time.Hour).Add(time.Hour)
	if !from.After(now) {
		from = from.AddDate(0, 0, 1)
	}
	return maintenance.Window{From: from, Until: from.Add(2 * time.Hour), Recurring: true,
		Message: maintenance.Text{EN: "Weekly restart and update.", RU: "Еженедельный перезапуск и обновление."}}
}

// mixedHistory is 90 days of mixed history with four past incidents (one with the
// operator's title and two messages) and, with outage above 0, an ongoing one that began
// outage ago, titled, with a message; the weekly window announced.
func mixedHistory(now time.Time, outage time.Duration) history.Document {
	days := mixedDays(now, outage)
	var incs []history.Incident
	if outage > 0 {
		start := now.Add(-outage)
		incs = append(incs, history.Incident{ID: start.UTC().Format("20060102T1504Z"), StartedAt: start, Minutes: int(outage / time.Minute),
			Ongoing: true, Title: &maintenance.Text{EN: "Login server down", RU: "Сервер входа недоступен"},
			Updates: []history.Update{{At: start.Add(5 * time.Minute),
				Message: maintenance.Text{EN: "We are restarting the login server.", RU: "Перезапускаем сервер входа."}}}})
	}
	incs = append(incs,
		pastIncident(now, 3, 7, nil),
		pastIncident(now, 12, 90, &maintenance.Text{EN: "Database upgrade overran", RU: "Обновление базы затянулось"},
			history.Update{At: now.Add(-12*24*time.Hour + time.Hour), Message: maintenance.Text{EN: "Back up; watching it.", RU: "Снова работает; наблюдаем."}},
			history.Update{At: now.Add(-12*24*time.Hour + 30*time.Minute), Message: maintenance.Text{EN: "The upgrade takes longer than planned.", RU: "Обновление идёт дольше плана."}}),
		pastIncident(now, 20, 300, nil),
		pastIncident(now, 30, 60, nil),
	)
	return history.Document{GeneratedAt: now, Days: days, Uptime: uptimes(days, outage), Incidents: incs,
		Maintenance: history.Planned{Upcoming: []maintenance.Window{nextWeekly(now)}}}
}

// statusDoc is the status document of s with the fields of maintenance: status,
// maintenance (the active window) and next_maintenance.
func statusDoc(t *testing.T, s snapshot.Snapshot, status string, active, next *maintenance.Window) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(s.Encode(), &doc); err != nil {
		t.Fatal(err)
	}
	doc["status"], doc["maintenance"], doc["next_maintenance"] = status, active, next
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// publishStatus publishes the status document body of s for layout l, as the snapshotter does.
func (w *worldsSite) publishStatus(t *testing.T, l snapshot.Layout, s snapshot.Snapshot, body []byte) {
	t.Helper()
	if err := snapshot.NewWorldPublisher(w.dir, l, w.maxAge, time.Now, time.Sleep).Publish(body, s); err != nil {
		t.Fatal(err)
	}
}

// publishHistory publishes h as the document doc (api/server/history, or a world's),
// fresh for 15 minutes and kept as its stale copy past them (the origin builds none).
func (w *worldsSite) publishHistory(t *testing.T, doc string, h history.Document) {
	t.Helper()
	body, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	w.publishBody(t, doc, body)
}

// publishBody publishes body as the document doc, fresh for 15 minutes and kept as its
// stale copy past them.
func (w *worldsSite) publishBody(t *testing.T, doc string, body []byte) {
	t.Helper()
	now := time.Now()
	if err := publish.New(w.dir, w.maxAge, time.Now, time.Sleep).Publish(publish.Document{
		Path: doc, Body: body, From: now, Until: now.Add(15 * time.Minute), Modified: now, Stale: body,
	}); err != nil {
		t.Fatal(err)
	}
}

// singleSite is nginx serving one world (no worlds file) whose status says status, with
// active and next as its maintenance fields, and h as its history when not nil.
func singleSite(t *testing.T, s *snapshot.Snapshot, status string, active, next *maintenance.Window, h *history.Document) *worldsSite {
	t.Helper()
	w := startWorldsSite(t)
	w.publishStatus(t, snapshot.Legacy(), *s, statusDoc(t, *s, status, active, next))
	if h != nil {
		w.publishHistory(t, strings.TrimSuffix(nginx.StatusDoc, "status")+"history", *h)
	}
	return w
}

// openAt opens url at width (a phone, with mobile emulation, below 480 px) and waits for state and for
// the history section (or its "no history yet").
func openAt(t *testing.T, tab context.Context, url string, width int64, state string) {
	t.Helper()
	vp := chromedp.EmulateViewport(width, 900)
	if width < 480 {
		vp = chromedp.EmulateViewport(width, 780, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(tab, vp, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	waitShown(t, tab, `body[data-state="`+state+`"] #history .history`)
}

// waitShown waits until sel is visible, and says what the page shows when it never is.
func waitShown(t *testing.T, tab context.Context, sel string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(sel)); err != nil {
		got, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.dataset.state + ": " + document.body.innerText`))
		t.Fatalf("%s never shown: %v\n%s", sel, err, got)
	}
}

// seen is what the user reads: the element's rendered text, spaces as plain spaces
// (Intl puts no-break spaces in "99,51 %" and "4:00 AM").
func seen(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	return plain(eval[string](t, tab, `(document.querySelector(`+jsString(sel)+`) || {innerText: "<no `+strings.ReplaceAll(sel, `"`, `'`)+`>"}).innerText`))
}

func plain(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s))
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// clockIn is a time as the page says it in the visitor's zone: "4:07 AM" in English,
// "04:07" in Russian.
func clockIn(tm time.Time, loc *time.Location, lang string) string {
	if strings.HasPrefix(lang, "ru") {
		return tm.In(loc).Format("15:04")
	}
	return tm.In(loc).Format("3:04 PM")
}

// covered is h as history.json says it since issue 30: with each span's coverage (the
// fraction of its minutes with data) and data_since, the first minute with data.
func covered(t *testing.T, h history.Document, since time.Time, cov [4]float64) []byte {
	t.Helper()
	since = since.UTC()
	h.Coverage, h.DataSince = history.Coverage{H24: cov[0], D7: cov[1], D30: cov[2], D90: cov[3]}, &since
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// playersAt is the fixtures' count at a moment: an evening crowd (highest about 19:00
// UTC, lowest about 07:00) with a wobble by the minute.
func playersAt(at time.Time) int64 {
	h := float64(at.UTC().Hour()) + float64(at.UTC().Minute())/60
	return int64(35+30*math.Sin(2*math.Pi*(h-13)/24)) + int64(at.Minute()%7)
}

// playersDoc is a world's players document at now, built by internal/samples from 48 h
// of counts a minute apart and answer-time rounds every 15 s (median 20-32 ms, a slow
// minute each hour), with settled figures for the 87 days before.
func playersDoc(world string, now time.Time) samples.Document {
	now = now.UTC().Truncate(time.Second)
	var players, answer []samples.Sample
	for at := now.Add(-48 * time.Hour).Truncate(time.Minute); !at.After(now); at = at.Add(15 * time.Second) {
		if at.Second() == 0 {
			players = append(players, samples.Sample{At: at, V: playersAt(at)})
		}
		ms := int64(20 + at.Second()/15*4)
		if at.Minute() == 30 {
			ms += 90
		}
		answer = append(answer, samples.Sample{At: at, V: ms})
	}
	daily := map[string]samples.Day{}
	today := now.Truncate(24 * time.Hour)
	for back := 3; back < samples.DaysKept; back++ {
		day := today.AddDate(0, 0, -back)
		peak, low, mean, p50, p95 := int64(50+back%9), int64(4+back%3), 31.5, int64(22), int64(60)
		at := day.Add(19*time.Hour + time.Duration(back)*time.Minute)
		daily[day.Format(time.DateOnly)] = samples.Day{Date: day.Format(time.DateOnly), Peak: &peak, PeakAt: &at, Mean: &mean, Min: &low,
			Samples: 1440, P50: &p50, P95: &p95, Rounds: 5760}
	}
	return samples.Build(world, now, time.Minute, players, answer, daily)
}

// publishPlayers publishes d as the document doc (api/server/players, or a world's).
func (w *worldsSite) publishPlayers(t *testing.T, doc string, d samples.Document) {
	t.Helper()
	body, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	w.publishBody(t, doc, body)
}

package nginx_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"statusedge/internal/history"
	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
)

// The current states of one world with its history: online, offline since, maintenance
// in progress, and stale (a document that said maintenance, past its window). Each is
// checked in English and Russian, at 560 px and on a 390 px phone, and photographed for
// the README.

func rates() snapshot.Rates {
	return snapshot.Rates{Exp: 2.5, PvP: 1.5, PvE: 3, ColorMob: 1.25, Skill: 2}
}

// atWidths opens url in English and Russian, at 560 and 390 px, waits for state, runs
// check and writes the screenshot name(ru, phone).
func atWidths(t *testing.T, url, state string, name func(ru, phone bool) string, check func(t *testing.T, tab context.Context, tx historyTexts)) {
	t.Helper()
	for _, tx := range []historyTexts{englishTexts(), russianTexts()} {
		t.Run(tx.lang, func(t *testing.T) {
			tab := browser(t, tx.lang)
			inVisitorZone(t, tab)
			for _, width := range []int64{560, 390} {
				openAt(t, tab, url, width, state)
				check(t, tab, tx)
				screenshot(t, tab, name(tx.lang == "ru-RU", width < 480))
			}
		})
	}
}

// light is the colour of the status light.
func light(t *testing.T, tab context.Context) string {
	t.Helper()
	return eval[string](t, tab, `getComputedStyle(document.getElementById("status"), "::before").backgroundColor`)
}

func suffix(ru, phone bool, ruName, phoneName string) string {
	s := ""
	if ru {
		s += ruName
	}
	if phone {
		s += phoneName
	}
	return s
}

// TestStatusPageOnlineWithHistory: online, 90 days of history, the weekly window
// announced; no "since", no banner.
func TestStatusPageOnlineWithHistory(t *testing.T) {
	now := time.Now()
	h := mixedHistory(now, 0)
	next := nextWeekly(now)
	site := singleSite(t, worldSnap(time.Minute, true, 42, rates()), "online", nil, &next, &h)
	atWidths(t, site.url+"/", "online", func(ru, phone bool) string {
		return "status-page" + suffix(ru, phone, "-ru", "-phone") + ".png"
	}, func(t *testing.T, tab context.Context, tx historyTexts) {
		if got := seen(t, tab, "#status"); got != say(tx, "Online", "Онлайн") {
			t.Errorf("status = %q", got)
		}
		if got := light(t, tab); got != "rgb(46, 204, 113)" {
			t.Errorf("light = %s, want green", got)
		}
		if got := seen(t, tab, "main .uptime-24h dd"); got != pctText(100, tx.lang) {
			t.Errorf("24 h uptime = %q", got)
		}
		for _, sel := range []string{"#since", "#banner", "#notice"} {
			if got := seen(t, tab, sel); got != "" {
				t.Errorf("%s = %q while online and current", sel, got)
			}
		}
		if got := seen(t, tab, "#next"); !strings.HasPrefix(got, tx.planned) {
			t.Errorf("next window = %q", got)
		}
	})
}

// TestStatusPageOfflineSince: offline, current, since the ongoing incident's start (in
// the visitor's zone), for as long as it has lasted.
func TestStatusPageOfflineSince(t *testing.T) {
	now := time.Now()
	h := mixedHistory(now, 47*time.Minute)
	site := singleSite(t, worldSnap(time.Minute, false, 0, rates()), "offline", nil, nil, &h)
	loc := visitorLoc(t)
	atWidths(t, site.url+"/", "offline", func(ru, phone bool) string {
		return "status-page-offline" + suffix(ru, phone, "-ru", "-phone") + ".png"
	}, func(t *testing.T, tab context.Context, tx historyTexts) {
		if got := seen(t, tab, "#status"); got != tx.status {
			t.Errorf("status = %q, want %q", got, tx.status)
		}
		if got := light(t, tab); got != "rgb(231, 76, 60)" {
			t.Errorf("light = %s, want red", got)
		}
		// "Since 12:14 PM (47 min)"; the date too when the outage began on another day.
		since, at, lasted := say(tx, "Since ", "С "), clockIn(h.Incidents[0].StartedAt, loc, tx.lang), "(47"+tx.minutes+")"
		if got := seen(t, tab, "#since"); !strings.HasPrefix(got, since) || !strings.HasSuffix(got, at+" "+lasted) {
			t.Errorf("since = %q, want %s… %s %s", got, since, at, lasted)
		}
		if got := seen(t, tab, "#banner"); got != "" {
			t.Errorf("banner = %q while offline", got)
		}
	})
}

// maintenanceNow is a window that began 30 minutes ago and ends in 90, and the mixed
// history with today's maintenance minutes and the window active.
func maintenanceNow(now time.Time) (maintenance.Window, history.Document) {
	from := now.Add(-30 * time.Minute).Truncate(time.Minute)
	win := maintenance.Window{From: from, Until: from.Add(2 * time.Hour),
		Message: maintenance.Text{EN: "Installing the winter update.", RU: "Устанавливаем зимнее обновление."}}
	h := mixedHistory(now, 0)
	today := &h.Days[len(h.Days)-1]
	m := min(today.Up, int(now.Sub(from)/time.Minute))
	today.Up, today.Maintenance = today.Up-m, m
	today.Uptime = uptimeOf(today.Up, today.Down)
	h.Maintenance.Active = &win
	return win, h
}

// TestStatusPageMaintenance: during a window the page says maintenance (blue), not
// offline, though the probe finds the server down; the banner gives the operator's
// message and the end in the visitor's zone; today's cell bears the blue mark.
func TestStatusPageMaintenance(t *testing.T) {
	now := time.Now()
	win, h := maintenanceNow(now)
	site := singleSite(t, worldSnap(time.Minute, false, -1, rates()), "maintenance", &win, nil, &h)
	loc := visitorLoc(t)
	atWidths(t, site.url+"/", "maintenance", func(ru, phone bool) string {
		lang := map[bool]string{false: "en", true: "ru"}[ru]
		if phone {
			return "status-page-maintenance-phone-" + lang + ".png"
		}
		return "status-page-maintenance-" + lang + ".png"
	}, func(t *testing.T, tab context.Context, tx historyTexts) {
		if got := seen(t, tab, "#status"); got != say(tx, "Maintenance", "Техработы") {
			t.Errorf("status = %q", got)
		}
		if got := light(t, tab); got != "rgb(76, 141, 255)" {
			t.Errorf("light = %s, want blue", got)
		}
		banner := strings.Split(seen(t, tab, "#banner"), "\n")
		until, wantEnd := say(tx, "Until ", "До "), clockIn(win.Until, loc, tx.lang) // a date before it on another day
		// The message and the end apart, each its own line (issue 30: they ran together).
		if len(banner) != 3 || banner[0] != say(tx, "Maintenance in progress", "Идут технические работы") ||
			banner[1] != say(tx, win.Message.EN, win.Message.RU) || !strings.HasPrefix(banner[2], until) || !strings.HasSuffix(banner[2], wantEnd) {
			t.Errorf("banner = %q, want the window's message and %q on lines of their own", banner, wantEnd)
		}
		for _, sel := range []string{"#since", "#notice"} {
			if got := seen(t, tab, sel); got != "" {
				t.Errorf("%s = %q during maintenance", sel, got)
			}
		}
		today := `main .bar .day[data-date="` + dayAgo(now, 0) + `"]`
		if got := eval[string](t, tab, `document.querySelector(`+jsString(today)+`).className`); !strings.HasSuffix(got, " has-maint") {
			t.Errorf("today's cell = %q, want the maintenance mark", got)
		}
	})
}

// TestStatusPageStaleMaintenance: a document that said maintenance, past its window
// (nginx serves its last copy, marked stale), is not shown as maintenance now: its last
// word muted under the amber light with the stale notice, as any stale status; no
// banner, no blue light.
func TestStatusPageStaleMaintenance(t *testing.T) {
	now := time.Now()
	win, h := maintenanceNow(now)
	site := singleSite(t, worldSnap(20*time.Minute, false, -1, rates()), "maintenance", &win, nil, &h)
	atWidths(t, site.url+"/", "maintenance", func(ru, phone bool) string {
		return "status-page-stale" + suffix(ru, phone, "-ru", "-phone") + ".png"
	}, func(t *testing.T, tab context.Context, tx historyTexts) {
		waitShown(t, tab, `body[data-stale="true"] #notice`)
		if got := seen(t, tab, "#notice"); got != say(tx, "This status may be out of date.", "Данные могут быть устаревшими.") {
			t.Errorf("notice = %q", got)
		}
		if got := eval[string](t, tab, `getComputedStyle(document.getElementById("status")).color`); got != "rgb(139, 147, 167)" {
			t.Errorf("a stale document's word is %s, want muted", got)
		}
		if got := light(t, tab); got != "rgb(241, 196, 15)" {
			t.Errorf("light = %s, want amber", got)
		}
		for _, sel := range []string{"#banner", "#since"} {
			if got := seen(t, tab, sel); got != "" {
				t.Errorf("%s = %q from a stale document", sel, got)
			}
		}
	})
}

// TestStatusPageNoHistory: no history document (nginx answers 503: nothing published,
// no origin) leaves the status as it was, and the history says there is none yet.
func TestStatusPageNoHistory(t *testing.T) {
	site := singleSite(t, worldSnap(time.Minute, true, 3, rates()), "online", nil, nil, nil)
	tab := browser(t, "en-US")
	openAt(t, tab, site.url+"/", 560, "online")
	if got := seen(t, tab, "#status"); got != "Online" {
		t.Errorf("status = %q", got)
	}
	if got := seen(t, tab, "#history"); got != "No history yet." {
		t.Errorf("history = %q", got)
	}
	if got := seen(t, tab, "#rate-exp"); !strings.HasSuffix(got, "×2.5") {
		t.Errorf("exp = %q", got)
	}
}

// TestStatusPageLanguageSwitch: the browser's language is the default; EN / RU switch
// the page at once, and the choice outlives a reload.
func TestStatusPageLanguageSwitch(t *testing.T) {
	now := time.Now()
	h := mixedHistory(now, 0)
	site := singleSite(t, worldSnap(time.Minute, true, 3, rates()), "online", nil, nil, &h)
	tab := browser(t, "en-US")
	openAt(t, tab, site.url+"/", 560, "online")
	for _, step := range []struct {
		click                           string // the button pressed, if any
		reload                          bool
		lang, status, uptime, incidents string // what the page then says
	}{
		{"", false, "en", "Online", "24 hours", "INCIDENTS"},
		{"ru", false, "ru", "Онлайн", "24 часа", "ИНЦИДЕНТЫ"},
		{"", true, "ru", "Онлайн", "24 часа", "ИНЦИДЕНТЫ"},
		{"en", false, "en", "Online", "24 hours", "INCIDENTS"},
		{"", true, "en", "Online", "24 hours", "INCIDENTS"},
	} {
		lang := step.lang
		if step.click != "" {
			if err := chromedp.Do(tab, chromedp.Click(`#lang button[data-lang="`+step.click+`"]`)); err != nil {
				t.Fatal(err)
			}
			waitShown(t, tab, `html[lang="`+step.click+`"] #history .history`)
		}
		if step.reload {
			openAt(t, tab, site.url+"/", 560, "online")
		}
		if got := seen(t, tab, "#status"); got != step.status {
			t.Errorf("after %+v: status = %q, want %q", step, got, step.status)
		}
		if got := seen(t, tab, "main .uptime-24h dt"); got != step.uptime {
			t.Errorf("after %+v: uptime label = %q, want %q", step, got, step.uptime)
		}
		if got := seen(t, tab, "main .incidents-head"); got != step.incidents {
			t.Errorf("after %+v: incidents heading = %q, want %q", step, got, step.incidents)
		}
		if got := eval[string](t, tab, `document.documentElement.lang`); got != lang {
			t.Errorf("after %+v: page language = %q, want %q", step, got, lang)
		}
		if got := eval[string](t, tab, `document.querySelector('#lang button[aria-pressed="true"]').dataset.lang`); got != lang {
			t.Errorf("after %+v: pressed = %q, want %q", step, got, lang)
		}
	}
	if got := eval[string](t, tab, `localStorage.getItem("statusedge-lang")`); got != "en" {
		t.Errorf("remembered language = %q, want en", got)
	}
}

// TestStatusPageWorldsMaintenance: a world whose status document says maintenance (its
// index entry says only online: false) is a blue card with the banner, counted neither
// online nor stale, and said apart under the summary. Beside it a world whose history
// has no minute recorded yet: "—" for every uptime, grey days, no incidents.
func TestStatusPageWorldsMaintenance(t *testing.T) {
	now := time.Now()
	w := startWorldsSite(t)
	w.world(t, "x1", "Classic x1", "Классика x1", worldSnap(time.Minute, true, 3, rates()))
	empty := history.Document{GeneratedAt: now, Days: mixedDays(now, 0), Incidents: []history.Incident{}}
	for i := range empty.Days {
		empty.Days[i] = history.Day{Date: empty.Days[i].Date, NoData: 1440}
	}
	w.publishHistory(t, "api/worlds/x1/history", empty)
	win, h := maintenanceNow(now)
	s := worldSnap(time.Minute, false, -1, rates())
	l := snapshot.WorldLayout("x50")
	w.publishStatus(t, l, *s, statusDoc(t, *s, "maintenance", &win, nil))
	w.publishHistory(t, "api/worlds/x50/history", h)
	w.index = append(w.index, indexEntry{ID: "x50", Name: map[string]string{"en": "Fast x50", "ru": "Быстрый x50"}, StatusURL: l.StatusURL(),
		Online: &s.Online, UpdatedAt: &s.UpdatedAt, FreshUntil: &s.FreshUntil, CheckedAt: &s.CheckedAt})
	w.publishIndex(t)
	tab := browser(t, "en-US")
	inVisitorZone(t, tab)
	viewWorlds(t, tab, w.url+"/", 1280, "x1", "x50")
	waitShown(t, tab, `#world-x50[data-state="maintenance"]`)
	for sel, want := range map[string]string{
		"#summary":                    "1 of 2 worlds online",
		"#summary-maint":              "1 world in maintenance",
		"#summary-stale":              "",
		"#world-x50 .state":           "Maintenance",
		"#world-x50 .banner strong":   "Maintenance in progress",
		"#world-x50 .banner .message": win.Message.EN,
		"#world-x50 .since":           "",
		"#world-x1 .banner":           "",
		"#world-x1 .uptimes":          "24 hours\n—\n7 days\n—\n30 days\n—\n90 days\n—",
		"#world-x1 .quiet":            "No incidents in the last 90 days.",
	} {
		if got := seen(t, tab, sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	// The end: a date precedes the time when it falls on another day in the visitor's zone
	// (the test runs at any hour).
	if got, end := seen(t, tab, "#world-x50 .banner .until"), clockIn(win.Until, visitorLoc(t), "en"); !strings.HasPrefix(got, "Until ") || !strings.HasSuffix(got, end) {
		t.Errorf("#world-x50 .banner .until = %q, want Until … %s", got, end)
	}
	if got := eval[string](t, tab, `document.querySelector("#world-x1 .uptime-24h dd").getAttribute("aria-label")`); got != "No data" {
		t.Errorf("a null uptime's label = %q, want No data", got)
	}
	if n := eval[int](t, tab, `document.querySelectorAll("#world-x1 .bar .day.none").length`); n != 90 {
		t.Errorf("%d grey days, want 90", n)
	}
	if got := eval[string](t, tab, `getComputedStyle(document.querySelector("#world-x50 .state"), "::before").backgroundColor`); got != "rgb(76, 141, 255)" {
		t.Errorf("maintenance light = %s, want blue", got)
	}
}

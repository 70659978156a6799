package nginx_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"statusedge/internal/snapshot"
)

// pctText is a percentage as the page writes it: "99.51%", "99,51 %".
func pctText(v float64, lang string) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if strings.HasPrefix(lang, "ru") {
		return strings.ReplaceAll(s, ".", ",") + " %"
	}
	return s + "%"
}

// historyTexts are the words the history tests expect, per language.
type historyTexts struct {
	lang, file                  string
	status, minutes, hours      string // "Offline", " min", " h"
	uptime, down                string // a day's "Uptime ", "Down: "
	maintOnly, maint            string // a maintenance day's "Maintenance only", "Maintenance: "
	summary, barLabel           string
	ongoing, resolved, untitled string
	now, planned                string
}

func englishTexts() historyTexts {
	return historyTexts{lang: "en-US", file: "status-page-history-en", status: "Offline", minutes: " min", hours: " h",
		uptime: "Uptime ", down: "Down: ", maintOnly: "Maintenance only", maint: "Maintenance: ",
		summary:  "Last 90 days: 79 days without downtime, 5 days with downtime, 1 day of maintenance only, 5 days without data.",
		barLabel: "Uptime by day, last 90 days", ongoing: "Ongoing", resolved: "Resolved", untitled: "Server offline",
		now: "now", planned: "Planned maintenance: "}
}

func russianTexts() historyTexts {
	return historyTexts{lang: "ru-RU", file: "status-page-history-ru", status: "Оффлайн", minutes: " мин", hours: " ч",
		uptime: "Доступность ", down: "Простой: ", maintOnly: "Только техработы", maint: "Техработы: ",
		summary:  "За 90 дней: без простоев — 79 дней, с простоями — 5 дней, только техработы — 1 день, без данных — 5 дней.",
		barLabel: "Доступность по дням за 90 дней", ongoing: "Продолжается", resolved: "Завершён", untitled: "Сервер недоступен",
		now: "сейчас", planned: "Плановые технические работы: "}
}

func say(tx historyTexts, en, ru string) string {
	if strings.HasPrefix(tx.lang, "ru") {
		return ru
	}
	return en
}

// TestStatusPageHistory: one world, offline for 47 minutes, with 90 days of mixed
// history, an ongoing incident with the operator's title and message, and the weekly
// window announced. In English and Russian, at 1280 and 360 px, the page shows the
// uptime figures, a cell per day coloured by its uptime (grey without data, blue for
// maintenance), each day's date, uptime and minutes down on focus (arrow keys move
// along the bar) and in its label, a summary sentence for screen readers, the
// incidents newest first in the page's language with times in the visitor's zone,
// since when it is offline and the next planned window.
func TestStatusPageHistory(t *testing.T) {
	now := time.Now()
	outage := 47 * time.Minute
	h := mixedHistory(now, outage)
	next := nextWeekly(now)
	site := singleSite(t, worldSnap(time.Minute, false, 0, snapshot.Rates{Exp: 2.5, PvP: 1.5, PvE: 3, ColorMob: 1.25, Skill: 2}), "offline", nil, &next, &h)
	loc := visitorLoc(t)
	start := h.Incidents[0].StartedAt
	for _, tx := range []historyTexts{englishTexts(), russianTexts()} {
		t.Run(tx.lang, func(t *testing.T) {
			tab := browser(t, tx.lang)
			inVisitorZone(t, tab)
			openAt(t, tab, site.url+"/", 1280, "offline")

			if got := seen(t, tab, "#status"); got != tx.status {
				t.Errorf("status = %q, want %q", got, tx.status)
			}
			if got, want := seen(t, tab, "#since"), clockIn(start, loc, tx.lang); !strings.Contains(got, want) || !strings.HasSuffix(got, "(47"+tx.minutes+")") {
				t.Errorf("since = %q, want the outage's start %s and (47%s)", got, want, tx.minutes)
			}
			for k, v := range map[string]*float64{"24h": h.Uptime.H24, "7d": h.Uptime.D7, "30d": h.Uptime.D30, "90d": h.Uptime.D90} {
				if got := seen(t, tab, "main .uptime-"+k+" dd"); got != pctText(*v, tx.lang) {
					t.Errorf("uptime %s = %q, want %q", k, got, pctText(*v, tx.lang))
				}
			}

			// One cell per day, oldest first, coloured by the day's uptime.
			dates := eval[[]string](t, tab, `[...document.querySelectorAll("main .bar .day")].map(c => c.dataset.date)`)
			if len(dates) != 90 || dates[0] != h.Days[0].Date || dates[89] != h.Days[89].Date {
				t.Fatalf("bar = %d cells from %v, want 90 from %s to %s", len(dates), dates[:min(len(dates), 1)], h.Days[0].Date, h.Days[89].Date)
			}
			for ago, want := range map[int]string{1: "u0", 3: "u1", 7: "u0 has-maint", 12: "u3", 15: "maint", 20: "u4", 30: "u2", 89: "none"} {
				sel := `main .bar .day[data-date="` + dayAgo(now, ago) + `"]`
				if got := eval[string](t, tab, `document.querySelector(`+jsString(sel)+`).className`); got != "day "+want {
					t.Errorf("%d days ago: class %q, want %q", ago, got, "day "+want)
				}
			}
			colours := map[string]string{"u0": "rgb(46, 204, 113)", "u4": "rgb(231, 76, 60)", "maint": "rgb(76, 141, 255)", "none": "rgb(58, 67, 87)"}
			for ago, cls := range map[int]string{1: "u0", 20: "u4", 15: "maint", 89: "none"} {
				sel := `main .bar .day[data-date="` + dayAgo(now, ago) + `"]`
				if got := eval[string](t, tab, `getComputedStyle(document.querySelector(`+jsString(sel)+`)).backgroundColor`); got != colours[cls] {
					t.Errorf("%d days ago (%s) is %s, want %s", ago, cls, got, colours[cls])
				}
			}
			if n := eval[int](t, tab, `document.querySelectorAll("main .legend li").length`); n != 7 {
				t.Errorf("legend has %d entries, want 7 (five levels, maintenance, no data)", n)
			}

			// Focus shows the day: date, uptime, minutes down; the arrow keys move along.
			day3 := `main .bar .day[data-date="` + dayAgo(now, 3) + `"]`
			if err := chromedp.Do(tab, chromedp.Focus(day3)); err != nil {
				t.Fatal(err)
			}
			tip := strings.Split(seen(t, tab, "main .tip"), "\n")
			date3, _ := time.Parse(time.DateOnly, dayAgo(now, 3))
			if len(tip) != 3 || !strings.Contains(tip[0], strconv.Itoa(date3.Day())) || tip[1] != tx.uptime+pctText(99.51, tx.lang) || tip[2] != tx.down+"7"+tx.minutes {
				t.Errorf("tooltip of 3 days ago = %q, want its date, %s and %s", tip, tx.uptime+pctText(99.51, tx.lang), tx.down+"7"+tx.minutes)
			}
			if tx.lang == "en-US" && tip[0] != date3.Format("Mon, Jan 2, 2006") {
				t.Errorf("tooltip date = %q, want %q", tip[0], date3.Format("Mon, Jan 2, 2006"))
			}
			if got, want := plain(eval[string](t, tab, `document.querySelector(`+jsString(day3)+`).getAttribute("aria-label")`)), strings.Join(tip, ", "); got != want {
				t.Errorf("label of 3 days ago = %q, want %q", got, want)
			}
			if err := chromedp.Do(tab, chromedp.KeyEvent(kb.ArrowLeft)); err != nil {
				t.Fatal(err)
			}
			if got := eval[string](t, tab, `document.activeElement.dataset.date || ""`); got != dayAgo(now, 4) {
				t.Errorf("after ← the focus is on %q, want %s", got, dayAgo(now, 4))
			}
			if got := seen(t, tab, "main .tip"); !strings.Contains(got, tx.uptime+pctText(100, tx.lang)) {
				t.Errorf("tooltip after ← = %q, want the day before's 100 %%", got)
			}
			day15 := `main .bar .day[data-date="` + dayAgo(now, 15) + `"]`
			if err := chromedp.Do(tab, chromedp.Focus(day15)); err != nil {
				t.Fatal(err)
			}
			if got := strings.Split(seen(t, tab, "main .tip"), "\n"); len(got) != 3 || got[1] != tx.maintOnly || got[2] != tx.maint+"2"+tx.hours {
				t.Errorf("tooltip of a maintenance day = %q, want %q, %q", got, tx.maintOnly, tx.maint+"2"+tx.hours)
			}

			// Hovering shows the day under the pointer.
			day20 := `main .bar .day[data-date="` + dayAgo(now, 20) + `"]`
			xy := eval[[2]float64](t, tab, `(r => [r.left + r.width / 2, r.top + r.height / 2])(document.querySelector(`+jsString(day20)+`).getBoundingClientRect())`)
			if err := chromedp.Do(tab, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0], xy[1])); err != nil {
				t.Fatal(err)
			}
			if got := strings.Split(seen(t, tab, "main .tip"), "\n"); len(got) != 3 || got[1] != tx.uptime+pctText(79.16, tx.lang) || got[2] != tx.down+"5"+tx.hours {
				t.Errorf("tooltip under the pointer on 20 days ago = %q, want %s, %s", got, tx.uptime+pctText(79.16, tx.lang), tx.down+"5"+tx.hours)
			}

			// For screen readers: the sentence, the bar's name, one label per cell.
			if got := seen(t, tab, "main .bar-summary"); got != tx.summary {
				t.Errorf("summary for screen readers = %q, want %q", got, tx.summary)
			}
			if w := eval[float64](t, tab, `document.querySelector("main .bar-summary").getBoundingClientRect().width`); w > 1 {
				t.Errorf("the screen readers' sentence is %v px wide on screen, want visually hidden", w)
			}
			if got := eval[string](t, tab, `document.querySelector("main .bar").getAttribute("aria-label")`); got != tx.barLabel {
				t.Errorf("bar label = %q, want %q", got, tx.barLabel)
			}
			if n := eval[int](t, tab, `[...document.querySelectorAll("main .bar .day")].filter(c => c.getAttribute("role") === "img" && c.getAttribute("aria-label")).length`); n != 90 {
				t.Errorf("%d cells with a label, want 90", n)
			}
			if n := eval[int](t, tab, `[...document.querySelectorAll("main .bar .day")].filter(c => c.tabIndex === 0).length`); n != 1 {
				t.Errorf("%d tab stops in the bar, want one (the arrows move)", n)
			}

			// Incidents: newest first, the ongoing one marked, the operator's words.
			ids := eval[[]string](t, tab, `[...document.querySelectorAll("main .incident")].map(i => i.dataset.id)`)
			var want []string
			for _, inc := range h.Incidents {
				want = append(want, inc.ID)
			}
			if strings.Join(ids, " ") != strings.Join(want, " ") {
				t.Errorf("incidents = %v, want %v (newest first)", ids, want)
			}
			part := func(n int, sel string) string {
				return "main .incident:nth-child(" + strconv.Itoa(n) + ") " + sel
			}
			if got := eval[string](t, tab, `document.querySelector("main .incident").dataset.ongoing`); got != "true" {
				t.Errorf("the newest incident is not marked ongoing (%q)", got)
			}
			for sel, want := range map[string]string{
				part(1, ".title"):           say(tx, h.Incidents[0].Title.EN, h.Incidents[0].Title.RU),
				part(1, ".badge"):           strings.ToUpper(tx.ongoing), // in small capitals
				part(1, ".message"):         say(tx, h.Incidents[0].Updates[0].Message.EN, h.Incidents[0].Updates[0].Message.RU),
				part(2, ".title"):           tx.untitled,
				part(2, ".badge"):           strings.ToUpper(tx.resolved),
				part(3, ".title"):           say(tx, h.Incidents[2].Title.EN, h.Incidents[2].Title.RU),
				part(3, ".message"):         say(tx, h.Incidents[2].Updates[0].Message.EN, h.Incidents[2].Updates[0].Message.RU), // the newer first
				part(3, "li + li .message"): say(tx, h.Incidents[2].Updates[1].Message.EN, h.Incidents[2].Updates[1].Message.RU),
			} {
				if got := seen(t, tab, sel); got != want {
					t.Errorf("%s = %q, want %q", sel, got, want)
				}
			}
			first := part(1, "")
			if got := seen(t, tab, first+".when"); !strings.Contains(got, clockIn(start, loc, tx.lang)+" – "+tx.now) || !strings.HasSuffix(got, "47"+tx.minutes) {
				t.Errorf("ongoing incident's time = %q, want %s – %s · 47%s", got, clockIn(start, loc, tx.lang), tx.now, tx.minutes)
			}
			if got := seen(t, tab, part(2, ".when")); !strings.HasSuffix(got, "7"+tx.minutes) {
				t.Errorf("a past incident's time = %q, want its 7 minutes", got)
			}

			// The next window, in the visitor's zone; no banner: no maintenance now.
			if got := seen(t, tab, "#next"); !strings.HasPrefix(got, tx.planned) || !strings.Contains(got, clockIn(next.From, loc, tx.lang)+" – "+clockIn(next.Until, loc, tx.lang)) ||
				!strings.HasSuffix(got, say(tx, next.Message.EN, next.Message.RU)) {
				t.Errorf("next window = %q, want %s… %s – %s and its message", got, tx.planned, clockIn(next.From, loc, tx.lang), clockIn(next.Until, loc, tx.lang))
			}
			if got := seen(t, tab, "#banner"); got != "" {
				t.Errorf("maintenance banner %q outside maintenance", got)
			}

			// The screenshot with a day's tooltip shown.
			if err := chromedp.Do(tab, chromedp.Focus(`main .bar .day[data-date="`+dayAgo(now, 12)+`"]`)); err != nil {
				t.Fatal(err)
			}
			screenshot(t, tab, tx.file+".png")

			openAt(t, tab, site.url+"/", 360, "offline")
			fitsPhone(t, tab)
			if w := eval[float64](t, tab, `document.querySelector("main .bar .day").getBoundingClientRect().width`); w < 4 {
				t.Errorf("at 360 px a day is %v px wide: too thin to see or touch", w)
			}
			screenshot(t, tab, strings.Replace(tx.file, "history-", "history-phone-", 1)+".png")
		})
	}
}

// fitsPhone fails when the page at 360 px scrolls sideways or the bar leaves its card.
func fitsPhone(t *testing.T, tab context.Context) {
	t.Helper()
	if sw := eval[int](t, tab, `document.documentElement.scrollWidth`); sw > 360 {
		t.Errorf("at 360 px the page is %d px wide: it scrolls sideways", sw)
	}
	out := eval[int](t, tab, `[...document.querySelectorAll(".bar, .uptimes, .incident, #lang")].filter(e => {
		const r = e.getBoundingClientRect(); return r.left < 0 || r.right > 360; }).length`)
	if out != 0 {
		t.Errorf("at 360 px %d parts of the history leave the screen", out)
	}
	if n := eval[int](t, tab, `[...document.querySelectorAll(".uptimes dd")].filter(d => d.scrollWidth > d.clientWidth).length`); n != 0 {
		t.Errorf("at 360 px %d uptime figures overflow their column", n)
	}
}

// TestStatusPageWorldsHistory: with three worlds each card has its own history, compact:
// the uptime figures, 90 days in two rows, the two newest incidents and how many more,
// since when an offline world is down, the next window; a world without a history
// document says "no history yet"; a legend under each bar. English at 1280 px, Russian at 360.
func TestStatusPageWorldsHistory(t *testing.T) {
	now := time.Now()
	w := threeWorlds(t, now)
	x1, x50 := mixedHistory(now, 0), mixedHistory(now, 47*time.Minute)
	loc := visitorLoc(t)
	for _, tt := range []struct {
		tx    historyTexts
		width int64
		more  string
	}{
		{englishTexts(), 1280, "2 earlier incidents not shown"},
		{russianTexts(), 360, "Не показано более ранних инцидентов: 2"},
	} {
		tx := tt.tx
		t.Run(tx.lang, func(t *testing.T) {
			tab := browser(t, tx.lang)
			inVisitorZone(t, tab)
			viewWorlds(t, tab, w.url+"/", tt.width, "x1", "x50", "pvp-season")
			for k, v := range map[string]*float64{"24h": x1.Uptime.H24, "7d": x1.Uptime.D7, "30d": x1.Uptime.D30, "90d": x1.Uptime.D90} {
				if got := seen(t, tab, "#world-x1 .uptime-"+k+" dd"); got != pctText(*v, tx.lang) {
					t.Errorf("x1 uptime %s = %q, want %q", k, got, pctText(*v, tx.lang))
				}
			}
			for _, id := range []string{"x1", "x50"} {
				if n := eval[int](t, tab, `document.querySelectorAll("#world-`+id+` .bar .day").length`); n != 90 {
					t.Errorf("%s: %d days, want 90", id, n)
				}
				if n := eval[int](t, tab, `document.querySelectorAll("#world-`+id+` .incident").length`); n != 2 {
					t.Errorf("%s: %d incidents shown, want the two newest", id, n)
				}
				if got := seen(t, tab, "#world-"+id+" .next"); !strings.HasPrefix(got, tx.planned) || !strings.Contains(got, clockIn(nextWeekly(now).From, loc, tx.lang)) {
					t.Errorf("%s next window = %q", id, got)
				}
			}
			if got := seen(t, tab, "#world-x1 .more"); got != tt.more {
				t.Errorf("x1 more = %q, want %q", got, tt.more)
			}
			if got := seen(t, tab, "#world-x1 .since"); got != "" {
				t.Errorf("online x1 says since %q", got)
			}
			start := x50.Incidents[0].StartedAt
			if got := seen(t, tab, "#world-x50 .since"); !strings.Contains(got, clockIn(start, loc, tx.lang)) || !strings.HasSuffix(got, "(47"+tx.minutes+")") {
				t.Errorf("x50 since = %q, want %s and (47%s)", got, clockIn(start, loc, tx.lang), tx.minutes)
			}
			if got := seen(t, tab, "#world-x50 .incident .title"); got != say(tx, x50.Incidents[0].Title.EN, x50.Incidents[0].Title.RU) {
				t.Errorf("x50 newest incident = %q", got)
			}
			if got := eval[string](t, tab, `document.querySelector("#world-x50 .incident").dataset.ongoing`); got != "true" {
				t.Errorf("x50 newest incident ongoing = %q", got)
			}
			if got := seen(t, tab, "#world-pvp-season .no-history"); got != say(tx, "No history yet.", "Истории пока нет.") {
				t.Errorf("pvp-season without a history = %q", got)
			}
			if got := seen(t, tab, "#world-pvp-season .next"); got != "" {
				t.Errorf("stale pvp-season announces %q", got)
			}
			// The legend beside each bar (issue 30: at the top only, it was a scroll away).
			for _, id := range []string{"x1", "x50"} {
				if n := eval[int](t, tab, `document.querySelectorAll("#world-`+id+` .bar + .bar-ends + .legend li").length`); n != 7 {
					t.Errorf("%s: the legend under its bar has %d entries, want 7", id, n)
				}
			}
			day20 := `#world-x50 .bar .day[data-date="` + dayAgo(now, 20) + `"]`
			if err := chromedp.Do(tab, chromedp.Focus(day20)); err != nil {
				t.Fatal(err)
			}
			if tip := strings.Split(seen(t, tab, "#world-x50 .tip"), "\n"); len(tip) != 4 || tip[1] != tx.uptime+pctText(79.16, tx.lang) || tip[2] != tx.down+"5"+tx.hours ||
				!strings.HasPrefix(tip[3], say(tx, "Peak: ", "Пик: ")) { // the day's peak from x50's players document
				t.Errorf("x50 tooltip of 20 days ago = %q", tip)
			}
			if tt.width < 600 {
				fitsPhone(t, tab)
			}
		})
	}
}

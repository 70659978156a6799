package nginx_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"statusedge/internal/history"
	"statusedge/internal/samples"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// The players and answer time over the last 24 h, honest players and the uptime's
// coverage (issue 30).

// playersSite is nginx serving one world online with 42 players, 90 days of history whose
// data began since ago (coverage as history.json says it), and its players document.
func playersSite(t *testing.T, now time.Time, since time.Time, cov [4]float64) (*worldsSite, history.Document, samples.Document) {
	t.Helper()
	s := worldSnap(time.Minute, true, 42, rates())
	at := s.UpdatedAt
	s.PlayersAt = &at
	h := mixedHistory(now, 0)
	site := singleSite(t, s, "online", nil, nil, nil)
	base := strings.TrimSuffix(nginx.StatusDoc, "status")
	site.publishBody(t, base+nginx.HistoryName, covered(t, h, since, cov))
	p := playersDoc("server", now)
	site.publishPlayers(t, base+nginx.PlayersName, p)
	return site, h, p
}

// playersIn is "57 players" / "57 игроков".
func playersIn(n int64, lang string) string {
	if !strings.HasPrefix(lang, "ru") {
		if n == 1 {
			return "1 player"
		}
		return strconv.FormatInt(n, 10) + " players"
	}
	form := "игроков"
	if n%10 == 1 && n%100 != 11 {
		form = "игрок"
	} else if d := n % 10; d >= 2 && d <= 4 && (n%100 < 12 || n%100 > 14) {
		form = "игрока"
	}
	return strconv.FormatInt(n, 10) + " " + form
}

// TestStatusPagePlayers: one world online, 90 days of history whose data began 50 hours
// ago and its players document. In English and Russian, at 1280 and 360 px: the count
// now, today's peak with its time, the 24-h players graph whose tooltip the keyboard
// moves (End: the newest sample; the left arrow: the one before), its text alternative
// (a summary label and a table by hour), the answer-time graph's median and worst, a
// day's peak in the 90-day bar's tooltip, the uptime figures saying "since" when the
// data began inside their span, and at 360 px a caption under each of the bar's rows.
func TestStatusPagePlayers(t *testing.T) {
	now := time.Now()
	since := now.Add(-50 * time.Hour).Truncate(time.Minute)
	site, _, p := playersSite(t, now, since, [4]float64{1, 50.0 / 168, 50.0 / 720, 50.0 / 2160})
	loc := visitorLoc(t)
	today, yesterday := p.Days[len(p.Days)-1], p.Days[len(p.Days)-2]
	if today.Peak == nil || yesterday.Peak == nil || len(p.Series) < 1400 || len(p.Answer) < 1400 {
		t.Fatalf("fixture: today %+v, yesterday %+v, %d samples, %d minutes", today, yesterday, len(p.Series), len(p.Answer))
	}
	newest, before := p.Series[len(p.Series)-1], p.Series[len(p.Series)-2]
	for _, tx := range []historyTexts{englishTexts(), russianTexts()} {
		t.Run(tx.lang, func(t *testing.T) {
			tab := browser(t, tx.lang)
			inVisitorZone(t, tab)
			for _, width := range []int64{1280, 360} {
				openAt(t, tab, site.url+"/", width, "online")
				waitShown(t, tab, "main .activity .chart")
				if got := seen(t, tab, "#players .count"); got != "42" {
					t.Errorf("players = %q, want 42", got)
				}
				wantPeak := say(tx, "Today's peak: ", "Пик сегодня: ") + playersIn(*today.Peak, tx.lang) + say(tx, " at ", " в ") + clockIn(*today.PeakAt, loc, tx.lang)
				if got := seen(t, tab, "main .activity .peak"); got != wantPeak {
					t.Errorf("peak = %q, want %q", got, wantPeak)
				}

				// The keyboard: focus shows the newest sample, the left arrow the one before.
				chart := "main .activity .chart"
				if err := chromedp.Do(tab, chromedp.Focus(chart)); err != nil {
					t.Fatal(err)
				}
				tip := func() []string { return strings.Split(seen(t, tab, "main .activity .chart-tip"), "\n") }
				want := []string{clockIn(time.Unix(newest[0], 0), loc, tx.lang), playersIn(newest[1], tx.lang)}
				if got := tip(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
					t.Errorf("focused graph's tip = %q, want %q", got, want)
				}
				if err := chromedp.Do(tab, chromedp.KeyEvent(kb.ArrowLeft)); err != nil {
					t.Fatal(err)
				}
				want = []string{clockIn(time.Unix(before[0], 0), loc, tx.lang), playersIn(before[1], tx.lang)}
				if got := tip(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
					t.Errorf("after ←, tip = %q, want %q", got, want)
				}
				if got := plain(eval[string](t, tab, `document.querySelector("main .activity .chart").getAttribute("aria-valuetext")`)); got != want[0]+": "+want[1] {
					t.Errorf("the slider's value = %q, want %q", got, want[0]+": "+want[1])
				}
				if got := eval[string](t, tab, `document.querySelector("main .activity .chart").getAttribute("aria-label")`); !strings.HasPrefix(got, say(tx, "Players over the last 24 hours: ", "Игроки за 24 часа: ")) {
					t.Errorf("graph's label = %q", got)
				}
				if n := eval[int](t, tab, `document.querySelectorAll('main .activity .chart-box:has([data-key="main/players"]) .hourly tr').length`); n < 24 || n > 26 {
					t.Errorf("the table by hour has %d rows, want a header and 24 or 25 hours", n)
				}
				screenshot(t, tab, "status-page-players-"+say(tx, "en", "ru")+map[bool]string{true: "-phone", false: ""}[width < 480]+".png")

				// The answer time: End shows the newest minute's median and worst.
				if n := eval[int](t, tab, `document.querySelectorAll("main .activity .chart").length`); n != 2 {
					t.Fatalf("%d graphs, want players and answer time", n)
				}
				answer := `main .activity .chart[data-key="main/answer"]`
				if err := chromedp.Do(tab, chromedp.Focus(answer), chromedp.KeyEvent(kb.End)); err != nil {
					t.Fatal(err)
				}
				a := p.Answer[len(p.Answer)-1]
				wantA := say(tx, "median ", "медиана ") + strconv.FormatInt(a[1], 10) + say(tx, " ms, worst ", " мс, худшее ") + strconv.FormatInt(a[2], 10) + say(tx, " ms", " мс")
				if got := strings.Split(seen(t, tab, `main .activity .chart-box:has([data-key="main/answer"]) .chart-tip`), "\n"); len(got) != 2 || got[1] != wantA {
					t.Errorf("answer tip = %q, want %q", got, wantA)
				}

				// Yesterday's peak in its day's tooltip.
				day := `main .bar .day[data-date="` + yesterday.Date + `"]`
				if err := chromedp.Do(tab, chromedp.Focus(day)); err != nil {
					t.Fatal(err)
				}
				wantDay := say(tx, "Peak: ", "Пик: ") + playersIn(*yesterday.Peak, tx.lang) + say(tx, " at ", " в ") + clockIn(*yesterday.PeakAt, loc, tx.lang)
				if got := strings.Split(seen(t, tab, "main .history .tip"), "\n"); got[len(got)-1] != wantDay {
					t.Errorf("yesterday's tooltip = %q, want it to end with %q", got, wantDay)
				}

				// Coverage: the 24 h are full; the longer spans began 50 hours ago.
				if n := eval[int](t, tab, `document.querySelectorAll("main .uptime-24h .cov").length`); n != 0 {
					t.Errorf("24 h, fully covered, has a coverage note")
				}
				for _, k := range []string{"7d", "30d", "90d"} {
					if got := seen(t, tab, "main .uptime-"+k+" .cov"); !strings.HasPrefix(got, say(tx, "since ", "с ")) || !strings.Contains(got, clockIn(since, loc, tx.lang)) {
						t.Errorf("uptime %s's note = %q, want since %s", k, got, clockIn(since, loc, tx.lang))
					}
				}

				// The bar: one row of 90 at 1280 px; at 360 two rows of 45, each with its caption.
				rows := eval[int](t, tab, `new Set([...document.querySelectorAll("main .bar .day")].map(c => Math.round(c.getBoundingClientRect().top))).size`)
				captions := eval[int](t, tab, `[...document.querySelectorAll("main .bar-ends")].filter(e => e.offsetParent !== null).length`)
				if wantRows := map[bool]int{true: 2, false: 1}[width < 480]; rows != wantRows || captions != wantRows {
					t.Errorf("at %d px the bar has %d rows and %d captions, want %d of each", width, rows, captions, wantRows)
				}
				if width < 480 {
					fitsPhone(t, tab)
					if n := eval[int](t, tab, `[...document.querySelectorAll(".chart")].filter(e => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > 360; }).length`); n != 0 {
						t.Errorf("at 360 px %d graphs leave the screen", n)
					}
				}
			}
		})
	}
}

// TestStatusPageHonestPlayers: the game server offline (players null, reason offline, as
// the snapshotter publishes it) three minutes into its data, one of them down: the count
// is "—" with the reason as its title, the uptime figures say n/a (under 1% of each span
// has data), and the ongoing outage's duration and start are the history document's.
func TestStatusPageHonestPlayers(t *testing.T) {
	now := time.Now()
	s := worldSnap(30*time.Second, false, -1, rates())
	s.PlayersReason = snapshot.ReasonOffline
	// 30 s into a minute the history counts as 1: the page says 1 min, never 0.
	start := now.Add(-30 * time.Second).Truncate(time.Second)
	// 90 days, the first 89 without data, today's 3 minutes up (the page counts none of it).
	days := mixedDays(now, 0)
	for i := range days[:89] {
		days[i] = history.Day{Date: days[i].Date, NoData: 1440}
	}
	days[89] = history.Day{Date: days[89].Date, Up: 2, Down: 1, Uptime: uptimeOf(2, 1)}
	h := history.Document{GeneratedAt: now, Days: days,
		Incidents: []history.Incident{{ID: start.UTC().Format("20060102T1504Z"), StartedAt: start, Minutes: 1, Ongoing: true}}}
	site := singleSite(t, s, "offline", nil, nil, nil)
	site.publishBody(t, strings.TrimSuffix(nginx.StatusDoc, "status")+nginx.HistoryName, covered(t, h, now.Add(-3*time.Minute), [4]float64{3.0 / 1440, 3.0 / 10080, 3.0 / 43200, 3.0 / 129600}))
	loc := visitorLoc(t)
	for _, tx := range []historyTexts{englishTexts(), russianTexts()} {
		t.Run(tx.lang, func(t *testing.T) {
			tab := browser(t, tx.lang)
			inVisitorZone(t, tab)
			openAt(t, tab, site.url+"/", 1280, "offline")
			if got := seen(t, tab, "#players .count"); got != "—" {
				t.Errorf("players = %q while offline, want —", got)
			}
			wantWhy := say(tx, "The game server is offline: no count of players is current.", "Игровой сервер недоступен: текущего числа игроков нет.")
			if got := eval[string](t, tab, `document.querySelector("#players .count").title`); got != wantWhy {
				t.Errorf("players' title = %q, want %q", got, wantWhy)
			}
			for _, k := range []string{"24h", "7d", "30d", "90d"} {
				if got := seen(t, tab, "main .uptime-"+k+" dd"); got != say(tx, "n/a", "н/д") {
					t.Errorf("uptime %s = %q with 3 minutes of data, want n/a", k, got)
				}
			}
			if got := seen(t, tab, "#since"); !strings.Contains(got, clockIn(start, loc, tx.lang)) || !strings.HasSuffix(got, "(1"+tx.minutes+")") {
				t.Errorf("since = %q, want %s and the history's (1%s)", got, clockIn(start, loc, tx.lang), tx.minutes)
			}
			screenshot(t, tab, "status-page-honest-"+say(tx, "en", "ru")+".png")
		})
	}
}

package nginx_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/publish"
	"statusedge/internal/snapshot"
	"statusedge/internal/statuspage"
	"statusedge/nginx"
)

// The embeddable widget (widget.js, <statusedge-status>) and the /embed page: served by a
// real nginx beside the documents, shown by Chromium on a foreign page (another loopback
// origin) whose CSS is hostile and whose CSP allows the widget's origin only.

// TestWidgetRendersTheContractsPaths: like the page, the widget is a template that names
// no document path itself; the rendered script holds the contract's, each once.
func TestWidgetRendersTheContractsPaths(t *testing.T) {
	tmpl, err := os.ReadFile("widget.js.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	for _, literal := range []string{"api", nginx.ServerDocs, nginx.WorldsDoc, statuspage.UnresolvedPath} {
		if i := strings.Index(string(tmpl), literal); i >= 0 {
			t.Errorf("the template names %q itself: %q", literal, tmpl[max(0, i-40):min(len(tmpl), i+60)])
		}
	}
	if nginx.UnresolvedDoc != statuspage.UnresolvedPath {
		t.Errorf("the widget reads %s, the unresolved incidents are published at %s", nginx.UnresolvedDoc, statuspage.UnresolvedPath)
	}
	b, err := nginx.Widget()
	if err != nil {
		t.Fatal(err)
	}
	rest := string(b)
	for _, k := range []string{
		`STATUS_PATH = "` + nginx.StatusDoc + `.json"`,
		`WORLD_DOCS = "` + nginx.WorldsDoc + `/"`,
		`UNRESOLVED_PATH = "` + statuspage.UnresolvedPath + `.json"`,
	} {
		if n := strings.Count(rest, k); n != 1 {
			t.Errorf("the rendered widget holds %s %d times, want once", k, n)
		}
		rest = strings.ReplaceAll(rest, k, "")
	}
	if strings.Contains(rest, "{{") || strings.Contains(rest, "api/") {
		t.Errorf("the rendered widget holds an unrendered action or a path outside the contract's places")
	}
}

// TestWidgetServedByNginx: /widget.js and /embed come from disk, with their types, cache
// headers, CORS for the script, and gzip; the script's gzipped size is the README's figure.
func TestWidgetServedByNginx(t *testing.T) {
	site := startWorldsSite(t)
	want, err := nginx.Widget()
	if err != nil {
		t.Fatal(err)
	}
	plainClient := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	for _, tt := range []struct {
		path, accept, ctype, encoding, cors string
	}{
		{nginx.WidgetURL, "", "application/javascript; charset=utf-8", "", "*"},
		{nginx.WidgetURL, "gzip", "application/javascript; charset=utf-8", "gzip", "*"},
		{nginx.EmbedURL + "?world=x1&lang=ru", "", "text/html; charset=utf-8", "", ""},
	} {
		req, err := http.NewRequest("GET", site.url+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.accept != "" {
			req.Header.Set("Accept-Encoding", tt.accept)
		}
		resp, err := plainClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Type") != tt.ctype || h.Get("Content-Encoding") != tt.encoding ||
			h.Get("Cache-Control") != "public, max-age=300" || h.Get("Access-Control-Allow-Origin") != tt.cors || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s (Accept-Encoding %q): %d %v", tt.path, tt.accept, resp.StatusCode, h)
			continue
		}
		switch {
		case tt.encoding == "gzip":
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(unzipped, want) {
				t.Errorf("gzipped widget is not the rendered one (%v)", err)
			}
			t.Logf("widget.js: %d bytes, %d gzipped by nginx", len(want), len(body))
			// The README gives the figure: kept current with the script.
			readme, err := os.ReadFile(filepath.Join(harnesstest.ModuleRoot(t), "README.md"))
			if err != nil {
				t.Fatal(err)
			}
			figure := fmt.Sprintf("widget.js is %.1f kB, **%.1f kB gzipped**", float64(len(want))/1000, float64(len(body))/1000)
			if !bytes.Contains(readme, []byte(figure)) {
				t.Errorf("the README does not say %q", figure)
			}
			// "Small": a budget, so that growth is a decision, not a drift.
			if len(body) > 6*1024 {
				t.Errorf("widget.js is %d bytes gzipped, over the 6 KiB budget", len(body))
			}
		case strings.HasPrefix(tt.path, nginx.WidgetURL):
			if !bytes.Equal(body, want) {
				t.Errorf("served widget is not the rendered one")
			}
		default:
			if !bytes.Contains(body, []byte(`src="`+nginx.WidgetFile+`"`)) {
				t.Errorf("/embed does not load the widget: %s", body)
			}
		}
	}
	// Only GET and HEAD, as everywhere.
	req, err := http.NewRequest("POST", site.url+nginx.WidgetURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := plainClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("POST %s = %d, want 405", nginx.WidgetURL, resp.StatusCode)
	}
}

// hostileCSS is the foreign site's stylesheet: everything unset, its own loud font and
// colours inherited by whatever does not set its own, and a border on the element itself.
const hostileCSS = `* { all: unset !important; }
html, body, h1, p { display: block !important; }
head, script, style, title, link { display: none !important; }
body { background: #fde !important; color: #f0f !important; font: italic 30px/3 serif !important;
       letter-spacing: 4px !important; text-transform: uppercase !important; padding: 12px !important; }
statusedge-status { outline: 3px dotted #0a0 !important; }
div, span, b { color: #f0f !important; font-size: 40px !important; background: #ff0 !important; }
`

// foreignPage serves, from its own loopback origin, a fan site that pastes the widget
// from widgetOrigin with attrs, under hostileCSS and a CSP that allows scripts and
// connections from widgetOrigin only (no inline script or style anywhere).
func foreignPage(t *testing.T, widgetOrigin, attrs string) string {
	t.Helper()
	page := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fan site</title>
<link rel="stylesheet" href="/hostile.css">
<script src="` + widgetOrigin + nginx.WidgetURL + `" async></script></head>
<body><h1>Our clan</h1><p>Server: <statusedge-status ` + attrs + `></statusedge-status></p></body></html>`
	csp := "default-src 'none'; style-src 'self'; script-src " + widgetOrigin + "; connect-src " + widgetOrigin
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		if r.URL.Path == "/hostile.css" {
			w.Header().Set("Content-Type", "text/css")
			_, _ = io.WriteString(w, hostileCSS)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, page)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// unresolved publishes the unresolved incidents document (Statuspage's list) with one
// ongoing incident of each given component id, titled "<title of id>".
func (w *worldsSite) unresolved(t *testing.T, titles map[string]string) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	in := statuspage.Input{Page: statuspage.Page{ID: "page", Name: "Game server status", URL: "http://127.0.0.1", TimeZone: "Etc/UTC", UpdatedAt: now}}
	ids := make([]string, 0, len(titles))
	for id := range titles {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for i, id := range ids {
		in.Components = append(in.Components, statuspage.Component{ID: id, Name: id, Position: i + 1, Status: statuspage.MajorOutage, CreatedAt: now, UpdatedAt: now})
		in.Incidents = append(in.Incidents, statuspage.Incident{ID: id + "-inc", Name: titles[id], Status: statuspage.Investigating,
			Impact: statuspage.ImpactMajor, CreatedAt: now.Add(-time.Duration(i+1) * time.Minute), UpdatedAt: now, Components: []string{id}})
	}
	body := statuspage.Documents(in)[statuspage.UnresolvedPath]
	if err := publish.New(w.dir, w.maxAge, time.Now, time.Sleep).Publish(publish.Document{
		Path: statuspage.UnresolvedPath, Body: body, From: now, Until: now.Add(15 * time.Minute), Modified: now, Stale: body,
	}); err != nil {
		t.Fatal(err)
	}
}

// widgetState is what the widget shows: read from its shadow root.
type widgetState struct {
	State, Word, Players, Note string
	Dot, FontSize, FontStyle   string
	WordColor                  string
	Sheets                     int
	FirstRender                float64 // ms from navigation start, the widget's performance mark
}

const readWidget = `(() => {
  const e = document.querySelector("statusedge-status"), r = e.shadowRoot, q = s => r.querySelector(s);
  const st = getComputedStyle(q(".state")), m = performance.getEntriesByName("statusedge-first-render")[0];
  return {State: e.dataset.state || "", Word: q(".state").textContent, Players: q(".players").textContent,
    Note: q(".note").textContent, Dot: getComputedStyle(q(".dot")).backgroundColor, FontSize: st.fontSize,
    FontStyle: st.fontStyle, WordColor: st.color, Sheets: r.adoptedStyleSheets.length, FirstRender: m ? m.startTime : -1};
})()`

// waitWidget waits until the widget shows state (and, with note, a note: the incidents
// come after the status), and returns what it shows.
func waitWidget(t *testing.T, tab context.Context, state string, note bool) widgetState {
	t.Helper()
	return waitWidgetWithin(t, tab, state, note, 15*time.Second)
}

func waitWidgetWithin(t *testing.T, tab context.Context, state string, note bool, within time.Duration) widgetState {
	t.Helper()
	sel := `statusedge-status[data-state="` + state + `"]`
	js := `!!document.querySelector(` + jsString(sel) + `)`
	if note {
		js += ` && document.querySelector("statusedge-status").shadowRoot.querySelector(".note").textContent !== ""`
	}
	// Evaluated from the test (DevTools), not chromedp.Poll: its predicate is built with
	// new Function, which the foreign page's CSP forbids.
	harnesstest.Eventually(t, within, harnesstest.Every(20*time.Millisecond, "for the widget showing "+state), func(context.Context) error {
		ok, err := chromedp.Run(tab, chromedp.Evaluate[bool](js))
		if err != nil || ok {
			return err
		}
		shown, _ := chromedp.Run(tab, chromedp.Evaluate[string](`(e => e && e.shadowRoot ? e.dataset.state + ": " + e.shadowRoot.textContent : "no widget yet")(document.querySelector("statusedge-status"))`))
		return errors.New("it shows " + shown)
	})
	var w widgetState
	raw := eval[json.RawMessage](t, tab, readWidget)
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// painted returns once the page has painted what it shows (two animation frames): a
// screenshot taken sooner may lack the widget's last layout.
func painted(t *testing.T, tab context.Context) {
	t.Helper()
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
}

// prefersDark emulates the visitor's colour scheme.
func prefersDark(t *testing.T, tab context.Context, dark bool) {
	t.Helper()
	v := "light"
	if dark {
		v = "dark"
	}
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v}}}); err != nil {
		t.Fatal(err)
	}
}

// The light and dark palettes' colours of the light, as Chromium computes them.
var widgetDots = map[bool]map[string]string{
	false: {"online": "rgb(31, 157, 85)", "offline": "rgb(217, 59, 43)", "maintenance": "rgb(47, 111, 224)", "stale": "rgb(201, 138, 0)", "unavailable": "rgb(138, 147, 166)"},
	true:  {"online": "rgb(46, 204, 113)", "offline": "rgb(255, 107, 91)", "maintenance": "rgb(111, 160, 255)", "stale": "rgb(241, 196, 15)", "unavailable": "rgb(125, 134, 154)"},
}

// TestWidgetOnForeignPage: each state, in English (the visitor prefers light) and Russian
// (prefers dark), on a fan site of another origin with hostile CSS and a strict CSP. The
// widget's own look holds (its font, size, colours), the players show only while online
// and current, the note says the incident of this world (not another's), the window's
// end, the age of a stale status, or that the status is unreachable.
func TestWidgetOnForeignPage(t *testing.T) {
	now := time.Now()
	win, _ := maintenanceNow(now)
	loc := visitorLoc(t)
	type want struct{ players, noteEN, noteRU string }
	for _, tt := range []struct {
		state, world string
		publish      func(t *testing.T, w *worldsSite, l snapshot.Layout)
		want         want
	}{
		{"online", "x1", func(t *testing.T, w *worldsSite, l snapshot.Layout) {
			s := worldSnap(time.Minute, true, 1234, rates())
			w.publishStatus(t, l, *s, statusDoc(t, *s, "online", nil, nil))
			w.unresolved(t, map[string]string{"x50": "Fast x50 is offline"}) // another world's
		}, want{"1,234", "", ""}},
		{"offline", "x1", func(t *testing.T, w *worldsSite, l snapshot.Layout) {
			s := worldSnap(time.Minute, false, 0, rates())
			w.publishStatus(t, l, *s, statusDoc(t, *s, "offline", nil, nil))
			w.unresolved(t, map[string]string{"x1": "Login server down", "x50": "Fast x50 is offline"})
		}, want{"—", "Login server down", "Login server down"}},
		{"maintenance", "x1", func(t *testing.T, w *worldsSite, l snapshot.Layout) {
			s := worldSnap(time.Minute, false, 5, rates())
			w.publishStatus(t, l, *s, statusDoc(t, *s, "maintenance", &win, nil))
		}, want{"—", "Until " + win.Until.In(loc).Format("03:04 PM"), "До " + win.Until.In(loc).Format("15:04")}},
		{"stale", "x1", func(t *testing.T, w *worldsSite, l snapshot.Layout) {
			// Read 20 minutes ago, online then: past its window nginx serves its last copy, marked stale.
			s := worldSnap(20*time.Minute, true, 42, rates())
			w.publishStatus(t, l, *s, statusDoc(t, *s, "online", nil, nil))
		}, want{"—", "Last update 20 min ago", "Обновлено 20 мин назад"}},
		{"unavailable", "x9", func(t *testing.T, w *worldsSite, l snapshot.Layout) {
			// x9 was never published: nginx's JSON 404.
		}, want{"—", "Status unreachable", "Статус недоступен"}},
	} {
		t.Run(tt.state, func(t *testing.T) {
			site := startWorldsSite(t)
			tt.publish(t, site, snapshot.WorldLayout("x1"))
			for _, lang := range []struct {
				code, word string
				dark       bool
			}{{"en", map[string]string{"online": "Online", "offline": "Offline", "maintenance": "Maintenance", "stale": "Not current", "unavailable": "Unavailable"}[tt.state], false},
				{"ru", map[string]string{"online": "Онлайн", "offline": "Оффлайн", "maintenance": "Техработы", "stale": "Неактуально", "unavailable": "Недоступно"}[tt.state], true}} {
				t.Run(lang.code, func(t *testing.T) {
					tab := browser(t, "en-US")
					inVisitorZone(t, tab)
					prefersDark(t, tab, lang.dark)
					host := foreignPage(t, site.url, `world="`+tt.world+`" lang="`+lang.code+`"`)
					if err := chromedp.Do(tab, chromedp.EmulateViewport(520, 150), chromedp.Navigate(host)); err != nil {
						t.Fatal(err)
					}
					wantNote := map[string]string{"en": tt.want.noteEN, "ru": tt.want.noteRU}[lang.code]
					got := waitWidget(t, tab, tt.state, wantNote != "")
					label := map[string]string{"en": "Players ", "ru": "Игроки "}[lang.code]
					players := label + tt.want.players
					if lang.code == "ru" {
						players = strings.ReplaceAll(players, ",", " ") // "1 234", a no-break space plain() makes plain
					}
					if got.Word != lang.word || plain(got.Players) != players || plain(got.Note) != wantNote {
						t.Errorf("widget shows %q / %q / %q, want %q / %q / %q", got.Word, got.Players, got.Note, lang.word, players, wantNote)
					}
					if got.Dot != widgetDots[lang.dark][tt.state] {
						t.Errorf("light = %s, want %s", got.Dot, widgetDots[lang.dark][tt.state])
					}
					// The site's CSS stays outside: the widget's 14 px upright font, its colour, not magenta.
					if got.FontSize != "14px" || got.FontStyle != "normal" || got.WordColor == "rgb(255, 0, 255)" || got.Sheets != 1 {
						t.Errorf("the site's CSS reached the widget: %+v", got)
					}
					if got.FirstRender <= 0 {
						t.Errorf("no first-render mark: %+v", got)
					}
					t.Logf("%s %s: first render %.0f ms after navigation start", tt.state, lang.code, got.FirstRender)
					painted(t, tab)
					screenshot(t, tab, fmt.Sprintf("widget-%s-%s.png", tt.state, lang.code))
				})
			}
		})
	}
}

// TestWidgetUnreachableAfterOnline: a widget that showed online does not keep saying so
// when its server stops answering: the next read fails and it says unreachable, no players.
func TestWidgetUnreachableAfterOnline(t *testing.T) {
	site := startWorldsSite(t)
	s := worldSnap(time.Minute, true, 42, rates())
	site.publishStatus(t, snapshot.Legacy(), *s, statusDoc(t, *s, "online", nil, nil))
	tab := browser(t, "en-US")
	if err := chromedp.Do(tab, chromedp.Navigate(foreignPage(t, site.url, `theme="light"`))); err != nil {
		t.Fatal(err)
	}
	if got := waitWidget(t, tab, "online", false); got.Players != "Players 42" {
		t.Fatalf("before: %+v", got)
	}
	site.stop()
	// The next read, now rather than at the answer's max-age (minutes away).
	eval[any](t, tab, `document.querySelector("statusedge-status").refresh()`)
	got := waitWidget(t, tab, "unavailable", true)
	if got.Word != "Unavailable" || got.Players != "Players —" || got.Note != "Status unreachable" {
		t.Errorf("after the server stopped: %+v", got)
	}
}

// TestEmbedPage: /embed?world=x1&lang=ru&theme=dark is the widget alone, for an iframe:
// the query's world, language and theme (dark over a visitor who prefers light); a bad
// world says unavailable rather than showing another world.
func TestEmbedPage(t *testing.T) {
	site := startWorldsSite(t)
	s := worldSnap(time.Minute, true, 7, rates())
	site.publishStatus(t, snapshot.WorldLayout("x1"), *s, statusDoc(t, *s, "online", nil, nil))
	site.publishStatus(t, snapshot.Legacy(), *s, statusDoc(t, *s, "offline", nil, nil))
	tab := browser(t, "en-US")
	prefersDark(t, tab, false)
	for _, tt := range []struct {
		query, state, word, dot string
	}{
		{"?world=x1&lang=ru&theme=dark", "online", "Онлайн", widgetDots[true]["online"]},
		{"?world=x1&lang=en&theme=nonsense", "online", "Online", widgetDots[false]["online"]},
		{"", "offline", "Offline", widgetDots[false]["offline"]},
		{"?world=../v2/status", "unavailable", "Unavailable", widgetDots[false]["unavailable"]},
	} {
		if err := chromedp.Do(tab, chromedp.EmulateViewport(360, 90), chromedp.Navigate(site.url+nginx.EmbedURL+tt.query)); err != nil {
			t.Fatal(err)
		}
		got := waitWidget(t, tab, tt.state, false)
		if got.Word != tt.word || got.Dot != tt.dot {
			t.Errorf("/embed%s: %+v, want %s with %s", tt.query, got, tt.word, tt.dot)
		}
		if tt.query == "?world=x1&lang=ru&theme=dark" {
			painted(t, tab)
			screenshot(t, tab, "widget-embed-ru-dark.png")
		}
	}
}

// TestWidgetRefreshesAtMaxAge: the widget reads the status again when its answer's
// max-age runs out (here nginx's hint is 5 s, the widget's lower bound), so a flip
// published after the page loaded shows within that, with no reload.
func TestWidgetRefreshesAtMaxAge(t *testing.T) {
	site := startWorldsSiteEvery(t, 5)
	on := worldSnap(0, true, 42, rates())
	site.publishStatus(t, snapshot.Legacy(), *on, statusDoc(t, *on, "online", nil, nil))
	tab := browser(t, "en-US")
	if err := chromedp.Do(tab, chromedp.Navigate(foreignPage(t, site.url, ""))); err != nil {
		t.Fatal(err)
	}
	waitWidget(t, tab, "online", false)
	off := worldSnap(0, false, 0, rates())
	off.Seq = on.Seq + 1
	site.publishStatus(t, snapshot.Legacy(), *off, statusDoc(t, *off, "offline", nil, nil))
	flipped := time.Now()
	// max-age (at most 5 s) plus the read: well within 10 s; a widget that waited for its
	// 300-s bound, or for a reload, never gets there.
	got := waitWidgetWithin(t, tab, "offline", false, 10*time.Second)
	if got.Players != "Players —" {
		t.Errorf("offline: %+v", got)
	}
	t.Logf("the flip showed %.1f s after it was published", time.Since(flipped).Seconds())
}

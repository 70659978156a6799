package nginx_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/harness/stack"
	"statusedge/internal/publish"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// worldsSite is nginx rendered from the project's config over a STATUS_DIR that the test
// publishes into as the snapshotter does with a worlds file. No origin listens: a world
// past its window is answered from its last copy, marked stale (what nginx does when the
// origin fails).
type worldsSite struct {
	dir    string
	url    string
	maxAge time.Duration
	index  []indexEntry
	stop   func() // stops its nginx before the test ends (also a cleanup)
}

// indexEntry is one world of /api/worlds.json, as internal/documents/index.go writes it.
type indexEntry struct {
	ID         string            `json:"id"`
	Name       map[string]string `json:"name"`
	Online     *bool             `json:"online"`
	Players    *int64            `json:"players"`
	UpdatedAt  *time.Time        `json:"updated_at"`
	FreshUntil *time.Time        `json:"fresh_until"`
	CheckedAt  *time.Time        `json:"checked_at"`
	StatusURL  string            `json:"status_url"`
	HistoryURL string            `json:"history_url,omitempty"` // the page derives it from the id without
}

func startWorldsSite(t *testing.T) *worldsSite { t.Helper(); return startWorldsSiteEvery(t, 600) }

// startWorldsSiteEvery is startWorldsSite with nginx rendered for an update interval of
// interval seconds: the max-age hint its documents are served with.
func startWorldsSiteEvery(t *testing.T, interval int) *worldsSite {
	t.Helper()
	dir := t.TempDir()
	status := filepath.Join(dir, "status")
	if err := os.MkdirAll(status, 0o755); err != nil {
		t.Fatal(err)
	}
	p := nginx.Params{Listen: harnesstest.FreeAddr(t), OriginAddr: harnesstest.FreeAddr(t), StatusDir: status, Interval: interval}
	n, err := stack.StartNginx(filepath.Join(dir, "nginx"), p, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	return &worldsSite{dir: status, url: "http://" + p.Listen, maxAge: n.Params.MaxAge(), stop: n.Stop}
}

// world publishes one world's status (as its world unit does) and adds it to the index.
// A window that has ended (fresh_until in the past) leaves no name nginx serves it by:
// only its copy and its last copy, marked stale.
func (w *worldsSite) world(t *testing.T, id, en, ru string, s *snapshot.Snapshot) {
	t.Helper()
	l := snapshot.WorldLayout(id)
	e := indexEntry{ID: id, Name: map[string]string{"en": en, "ru": ru}, StatusURL: l.StatusURL()}
	if s != nil {
		if err := snapshot.NewWorldPublisher(w.dir, l, w.maxAge, time.Now, time.Sleep).Publish(s.Encode(), *s); err != nil {
			t.Fatal(err)
		}
		e.Online, e.Players, e.UpdatedAt, e.FreshUntil, e.CheckedAt = &s.Online, s.Players, &s.UpdatedAt, &s.FreshUntil, &s.CheckedAt
	}
	w.index = append(w.index, e)
}

// publishIndex publishes /api/worlds.json as internal/documents/index.go does.
func (w *worldsSite) publishIndex(t *testing.T) {
	t.Helper()
	body, err := json.Marshal(map[string][]indexEntry{"worlds": w.index})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err = publish.New(w.dir, w.maxAge, time.Now, time.Sleep).Publish(publish.Document{
		Path: snapshot.WorldsDoc, Body: body, From: now, Until: now.Add(15 * time.Minute), Modified: now,
		Stale: body, Copy: snapshot.WorldsFile,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// worldSnap is a snapshot read age ago with a 15-minute window; players < 0 is null.
func worldSnap(age time.Duration, online bool, players int64, rates snapshot.Rates) *snapshot.Snapshot {
	at := time.Now().Add(-age).UTC().Truncate(time.Second)
	s := &snapshot.Snapshot{ServerStatus: 1, Rates: rates, ClientStatus: 256, UpdatedAt: at, FreshUntil: at.Add(15 * time.Minute),
		Online: online, CheckedAt: at, Seq: at.UnixMilli()}
	if players >= 0 {
		s.Players = &players
	}
	return s
}

// threeWorlds publishes x1 online, x50 offline (the probe's verdict, current) and
// pvp-season stale (read 20 minutes ago, online then: its window ended 5 minutes ago).
// x1 has 90 days of mixed history (its index entry names it), x50 the same with an
// ongoing incident of 47 minutes (found by its id), pvp-season none yet.
func threeWorlds(t *testing.T, now time.Time) *worldsSite {
	t.Helper()
	w := startWorldsSite(t)
	w.world(t, "x1", "Classic x1", "Классика x1", worldSnap(2*time.Minute, true, 3, snapshot.Rates{Exp: 1, PvP: 1, PvE: 1, ColorMob: 1, Skill: 1}))
	w.world(t, "x50", "Fast x50", "Быстрый x50", worldSnap(4*time.Minute, false, 0, snapshot.Rates{Exp: 50, PvP: 2, PvE: 25, ColorMob: 5, Skill: 10}))
	w.world(t, "pvp-season", "PvP season", "PvP-сезон", worldSnap(20*time.Minute, true, 7, snapshot.Rates{Exp: 5, PvP: 3, PvE: 1.5, ColorMob: 1, Skill: 2.5}))
	w.index[0].HistoryURL = "/api/worlds/x1/history.json"
	w.publishHistory(t, "api/worlds/x1/history", mixedHistory(now, 0))
	w.publishHistory(t, "api/worlds/x50/history", mixedHistory(now, 47*time.Minute))
	w.publishPlayers(t, "api/worlds/x1/players", playersDoc("x1", now))
	w.publishPlayers(t, "api/worlds/x50/players", playersDoc("x50", now))
	w.publishIndex(t)
	return w
}

// viewWorlds opens the page at a width (mobile emulation below 600 px) and waits until
// every world with a status document shows its rates and its history (or "no history yet").
func viewWorlds(t *testing.T, tab context.Context, url string, width int64, rated ...string) {
	t.Helper()
	vp := chromedp.EmulateViewport(width, 720)
	if width < 600 {
		vp = chromedp.EmulateViewport(width, 780, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(tab, vp, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tab, 15*time.Second)
	defer cancel()
	waits := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(`body[data-view="worlds"][data-state="ready"] #cards .card`)}
	for _, id := range rated {
		waits = append(waits, chromedp.WaitVisible(`#world-`+id+` .rate-exp`), chromedp.WaitVisible(`#world-`+id+` .history`))
	}
	if err := chromedp.Do(ctx, waits...); err != nil {
		got, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.outerHTML`))
		t.Fatalf("worlds page at %s never showed every card with its rates: %v\n%s", url, err, got)
	}
}

func eval[T any](t *testing.T, tab context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// screenshot writes the page, whole, to name in $STATUSEDGE_SCREENSHOT_DIR when it is set
// (`STATUSEDGE_SCREENSHOT_DIR=$PWD/docs go test -run PageWorlds ./nginx/`).
func screenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	dir := os.Getenv("STATUSEDGE_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStatusPageWorlds: with an index, one card per world in its order: online (green),
// offline (red, current) and stale (amber, never online or offline), each with its name,
// rates and age, players "—" unless online and current, under "1 of 3 worlds online": online counts only worlds whose status is
// current. In English and Russian, three columns at 1280 px and one at 360 px.
func TestStatusPageWorlds(t *testing.T) {
	w := threeWorlds(t, time.Now())
	type card struct{ name, state, text, players, exp string }
	for _, tt := range []struct {
		lang, file       string
		summary, stale   string
		cards            []card
		staleNote, rates string
	}{
		{"en-US", "status-page-worlds", "1 of 3 worlds online", "No current status for 1 world", []card{
			{"Classic x1", "online", "Online", "Players online: 3", "×1"},
			{"Fast x50", "offline", "Offline", "Players online: —", "×50"},
			{"PvP season", "stale", "Not current", "Players online: —", "×5"},
		}, "This status may be out of date.", "Experience"},
		{"ru-RU", "status-page-worlds-ru", "1 из 3 миров в сети", "Нет свежих данных: 1 мир", []card{
			{"Классика x1", "online", "Онлайн", "Игроков онлайн: 3", "×1"},
			{"Быстрый x50", "offline", "Оффлайн", "Игроков онлайн: —", "×50"},
			{"PvP-сезон", "stale", "Неактуально", "Игроков онлайн: —", "×5"},
		}, "Данные могут быть устаревшими.", "Опыт"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			tab := browser(t, tt.lang)
			viewWorlds(t, tab, w.url+"/", 1280, "x1", "x50", "pvp-season")
			if got := text(t, tab, "#summary"); got != tt.summary {
				t.Errorf("summary = %q, want %q", got, tt.summary)
			}
			if got := text(t, tab, "#summary-stale"); got != tt.stale {
				t.Errorf("stale summary = %q, want %q", got, tt.stale)
			}
			ids := eval[[]string](t, tab, `[...document.querySelectorAll("#cards .card")].map(c => c.dataset.world)`)
			if strings.Join(ids, ",") != "x1,x50,pvp-season" {
				t.Fatalf("cards = %q, want x1, x50, pvp-season in the index's order", ids)
			}
			for i, id := range ids {
				want := tt.cards[i]
				sel := "#world-" + id
				if got := text(t, tab, sel+" .name"); got != want.name {
					t.Errorf("%s name = %q, want %q", id, got, want.name)
				}
				if got := eval[string](t, tab, `document.querySelector("`+sel+`").dataset.state`); got != want.state {
					t.Errorf("%s state = %q, want %q", id, got, want.state)
				}
				if got := text(t, tab, sel+" .state"); got != want.text {
					t.Errorf("%s status = %q, want %q", id, got, want.text)
				}
				// What is shown: an offline or stale world's count is "—" (its reason for screen readers aside).
				if got := eval[string](t, tab, `(n => n.textContent.replace((n.querySelector(".reason") || {}).textContent || "", ""))(document.querySelector("`+sel+` .players"))`); got != want.players {
					t.Errorf("%s players = %q, want %q", id, got, want.players)
				}
				if got := text(t, tab, sel+" .rate-exp"); !strings.HasPrefix(got, tt.rates) || !strings.HasSuffix(got, want.exp) {
					t.Errorf("%s exp = %q, want %s… %s", id, got, tt.rates, want.exp)
				}
				for _, k := range []string{"pvp", "pve", "skill"} {
					if n := eval[int](t, tab, `document.querySelectorAll("`+sel+` .rate-`+k+`").length`); n != 1 {
						t.Errorf("%s: %d rows of %s, want 1", id, n, k)
					}
				}
				if got := eval[string](t, tab, `document.querySelector("`+sel+` .updated").textContent`); got == "" {
					t.Errorf("%s: no \"updated N minutes ago\"", id)
				}
			}
			if got := text(t, tab, "#world-pvp-season .updated"); !strings.Contains(got, "20") {
				t.Errorf("stale world's age = %q, want 20 minutes", got)
			}
			if got := text(t, tab, "#world-pvp-season .note"); got != tt.staleNote {
				t.Errorf("stale note = %q, want %q", got, tt.staleNote)
			}
			// Offline is red and current; stale is amber: the two stay distinct.
			for id, want := range map[string]string{"x1": "rgb(46, 204, 113)", "x50": "rgb(231, 76, 60)", "pvp-season": "rgb(241, 196, 15)"} {
				if got := eval[string](t, tab, `getComputedStyle(document.querySelector("#world-`+id+` .state"), "::before").backgroundColor`); got != want {
					t.Errorf("%s light = %q, want %q", id, got, want)
				}
			}
			if got := eval[string](t, tab, `document.documentElement.lang`); got != tt.lang[:2] {
				t.Errorf("page language = %q", got)
			}
			if n := eval[int](t, tab, `new Set([...document.querySelectorAll("#cards .card")].map(c => Math.round(c.getBoundingClientRect().top))).size`); n != 1 {
				t.Errorf("at 1280 px the three cards sit in %d rows, want one", n)
			}
			screenshot(t, tab, tt.file+".png")

			viewWorlds(t, tab, w.url+"/", 360, "x1", "x50", "pvp-season")
			boxes := eval[[][4]float64](t, tab, `[...document.querySelectorAll("#cards .card")].map(c => { const r = c.getBoundingClientRect(); return [r.left, r.top, r.width, r.bottom]; })`)
			for i, b := range boxes {
				if b[0] != boxes[0][0] || b[2] != boxes[0][2] || i > 0 && b[1] < boxes[i-1][3] {
					t.Errorf("at 360 px card %d is at %v, want one column (cards below one another: %v)", i, b, boxes)
				}
				if b[0] < 0 || b[0]+b[2] > 360 {
					t.Errorf("at 360 px card %d spans %v..%v, outside the screen", i, b[0], b[0]+b[2])
				}
			}
			if sw := eval[int](t, tab, `document.documentElement.scrollWidth`); sw > 360 {
				t.Errorf("at 360 px the page is %d px wide: it scrolls sideways", sw)
			}
			screenshot(t, tab, tt.file+"-phone.png")
		})
	}
}

// TestStatusPageWorldsNoSnapshotYet: a world without a snapshot (nulls in the index, no
// status document) is unknown, neither online nor offline; the Russian plurals follow
// the counts (из 5 миров, 1 мир).
func TestStatusPageWorldsNoSnapshotYet(t *testing.T) {
	w := startWorldsSite(t)
	rates := snapshot.Rates{Exp: 2, PvP: 1, PvE: 1, ColorMob: 1, Skill: 1}
	for _, id := range []string{"a", "b", "c"} {
		w.world(t, id, "World "+id, "Мир "+id, worldSnap(time.Minute, true, -1, rates))
	}
	w.world(t, "d", "World d", "Мир d", worldSnap(time.Minute, false, -1, rates))
	w.world(t, "new", "New world", "Новый мир", nil)
	w.publishIndex(t)
	tab := browser(t, "ru-RU")
	viewWorlds(t, tab, w.url+"/", 560, "a", "b", "c", "d")
	if got := text(t, tab, "#summary"); got != "3 из 5 миров в сети" {
		t.Errorf("summary = %q", got)
	}
	if got := text(t, tab, "#summary-stale"); got != "Нет свежих данных: 1 мир" {
		t.Errorf("stale summary = %q", got)
	}
	if got := eval[string](t, tab, `document.querySelector("#world-new").dataset.state`); got != "unknown" {
		t.Errorf("a world without a snapshot is %q, want unknown", got)
	}
	if got := text(t, tab, "#world-new .state"); got != "Нет данных" {
		t.Errorf("its status = %q", got)
	}
	if got := eval[int](t, tab, `document.querySelectorAll("#world-new tr").length`); got != 0 {
		t.Errorf("a world without a snapshot shows %d rates", got)
	}
	if got := eval[string](t, tab, `document.querySelector("#world-a .players").textContent`); got != "" {
		t.Errorf("players without a players query = %q, want none", got)
	}
}

// TestStatusPageOneWorld: an index of one world is the single-world page of that world,
// under its name.
func TestStatusPageOneWorld(t *testing.T) {
	w := startWorldsSite(t)
	w.world(t, "x1", "Classic x1", "Классика x1", worldSnap(time.Minute, false, 5, snapshot.Rates{Exp: 7, PvP: 1, PvE: 1, ColorMob: 1, Skill: 1}))
	w.publishIndex(t)
	tab := browser(t, "en-US")
	if got := view(t, tab, w.url+"/", "offline"); got != "Offline" {
		t.Errorf("status = %q", got)
	}
	if got := eval[string](t, tab, `document.getElementById("title").textContent`); got != "Classic x1" {
		t.Errorf("title = %q", got)
	}
	if got := text(t, tab, "#rate-exp"); !strings.HasSuffix(got, "×7") {
		t.Errorf("exp = %q", got)
	}
	if got := eval[string](t, tab, `document.body.dataset.view || ""`); got == "worlds" {
		t.Error("one world shown as cards")
	}
}

package nginx_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/harness/stack"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
	"statusedge/nginx"
)

// browsers are the headless Chromium processes of this test process, one per language
// (the language is a flag of the process), started on first use and shared: each test
// gets its own tab in its own browser context (storage, cache, emulation apart), which
// costs a fraction of a Chromium start.
type browsers struct {
	mu    sync.Mutex
	roots map[string]context.Context
	stops []func()
}

// tab is a new tab, in a browser context of its own, of lang's browser.
func (b *browsers) tab(t *testing.T, lang string) context.Context {
	t.Helper()
	b.mu.Lock()
	root, ok := b.roots[lang]
	if !ok {
		path, err := exec.LookPath("chromium")
		if err != nil {
			b.mu.Unlock()
			t.Fatal("chromium not found: install it with `apt-get install chromium` (or run `make deps` as root)")
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path), chromedp.NoSandbox,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("lang", lang),
			chromedp.Flag("accept-lang", lang),
			chromedp.Env("LANGUAGE="+lang),
			chromedp.WindowSize(560, 720),
		)
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		var cancelRoot context.CancelFunc
		root, cancelRoot = chromedp.NewContext(actx)
		if err := chromedp.Do(root); err != nil { // starts the browser
			cancelRoot()
			cancelAlloc()
			b.mu.Unlock()
			t.Fatalf("start chromium: %v", err)
		}
		if b.roots == nil {
			b.roots = map[string]context.Context{}
		}
		b.roots[lang] = root
		b.stops = append(b.stops, func() { cancelRoot(); cancelAlloc() })
	}
	b.mu.Unlock()
	tab, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return tab
}

// stop ends every browser.
func (b *browsers) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.stops {
		s()
	}
	b.roots, b.stops = nil, nil
}

// browser is a tab of Debian's headless Chromium for one test; lang sets the page's
// language.
func browser(t *testing.T, lang string) context.Context { t.Helper(); return chromium.tab(t, lang) }

// view opens url and waits until the page reaches state; it returns the status text.
func view(t *testing.T, tab context.Context, url, state string) string {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tab, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`body[data-state="`+state+`"]`)); err != nil {
		got, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.dataset.state`))
		t.Fatalf("page at %s never reached state %q (now %q): %v", url, state, got, err)
	}
	text, err := chromedp.Run(tab, chromedp.Text("#status"))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func text(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(tab, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// pageFrom serves the status page from another origin, pointed at endpoint.
func pageFrom(t *testing.T, endpoint string) string {
	t.Helper()
	rendered, err := nginx.Page()
	if err != nil {
		t.Fatal(err)
	}
	meta := `content="/` + nginx.StatusDoc + `"`
	if !bytes.Contains(rendered, []byte(meta)) {
		t.Fatalf("the page holds no %s to point elsewhere", meta)
	}
	page := strings.Replace(string(rendered), meta, `content="`+endpoint+`"`, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// pageStack starts the stack with the seeded snapshot published, for a page to show.
func pageStack(t *testing.T) *stack.Stack {
	t.Helper()
	s := startStack(t, stack.Config{})
	once(t, s)
	return s
}

func TestStatusPageShowsSeededValues(t *testing.T) {
	s := pageStack(t)
	tab := browser(t, "en-US")
	if got := view(t, tab, s.PublicURL()+"/", "online"); got != "Online" {
		t.Errorf("status = %q", got)
	}
	for sel, want := range map[string]string{"#rate-exp": "×2.5", "#rate-pvp": "×1.5", "#rate-pve": "×3", "#rate-color_mob": "×1.25", "#rate-skill": "×2"} {
		if got := text(t, tab, sel); !strings.HasSuffix(got, want) {
			t.Errorf("%s = %q, want it to end in %q", sel, got, want)
		}
	}
	// client_status is a technical number: hidden unless the operator lists it (statusedge-fields).
	if n := eval[int](t, tab, `document.querySelectorAll("#rates tr").length`); n != 5 {
		t.Errorf("%d constants shown, want the five rates (client_status hidden by default)", n)
	}
	if got := text(t, tab, "#updated"); !strings.HasPrefix(got, "Updated ") || !strings.Contains(got, "ago") && !strings.Contains(got, "now") {
		t.Errorf("updated = %q", got)
	}
	if stale, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.dataset.stale`)); stale != "false" {
		t.Errorf("fresh snapshot shown as stale")
	}
}

func TestStatusPageFromAnotherOrigin(t *testing.T) {
	s := pageStack(t)
	tab := browser(t, "en-US")
	if got := view(t, tab, pageFrom(t, s.PublicURL()+"/api/server/status"), "online"); got != "Online" {
		t.Errorf("status loaded cross-origin (CORS) = %q", got)
	}
}

// TestStatusPageEndpointDown needs no stack: nothing listens where the page looks.
func TestStatusPageEndpointDown(t *testing.T) {
	tab := browser(t, "en-US")
	if got := view(t, tab, pageFrom(t, "http://"+harnesstest.FreeAddr(t)+"/api/server/status"), "error"); got != "Status unavailable" {
		t.Errorf("status = %q", got)
	}
}

func TestStatusPageInRussian(t *testing.T) {
	s := pageStack(t)
	ru := browser(t, "ru-RU")
	if got := view(t, ru, s.PublicURL()+"/", "online"); got != "Онлайн" {
		t.Errorf("status in Russian = %q", got)
	}
	if got := text(t, ru, "#rate-exp"); !strings.HasPrefix(got, "Опыт") {
		t.Errorf("rate label = %q", got)
	}
}

// TestStatusPageStaleSnapshot: the snapshot on disk is past its TTL, Redis and MySQL are
// gone: the origin answers with the last snapshot it knows, marked stale, and the page
// says so.
func TestStatusPageStaleSnapshot(t *testing.T) {
	s := pageStack(t)
	tab := browser(t, "en-US")
	_, snap := published(t, s)
	republishShifted(t, s, snap, -20*time.Minute, time.Now)
	s.Redis.Stop()
	s.MariaDB.Stop()
	waitFor(t, 10*time.Second, "a stale answer at the public URL", func() bool {
		r := get(t, s.PublicURL()+"/api/server/status")
		return r.code == 200 && r.snap(t).Cache != nil && r.snap(t).Cache.Stale
	})
	view(t, tab, s.PublicURL()+"/", "online")
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`body[data-stale="true"] #notice`)); err != nil {
		t.Fatalf("stale state not shown: %v", err)
	}
	if got := text(t, tab, "#notice"); got != "This status may be out of date." {
		t.Errorf("notice = %q", got)
	}
	// No green light on a status that is not current.
	dot, err := chromedp.Run(tab, chromedp.Evaluate[string](`getComputedStyle(document.getElementById("status"), "::before").backgroundColor`))
	if err != nil || dot != "rgb(241, 196, 15)" {
		t.Errorf("stale status light = %q (%v), want the warning colour", dot, err)
	}
}

// TestStatusPageProbe: the page takes online/offline from the probe's "online", shows no
// count of players while offline ("—": characters.online survives a crash, issue 30) and
// when the probe checked, and keeps offline (red, current) distinct
// from stale (amber, notice), in English and Russian.
func TestStatusPageProbe(t *testing.T) {
	s := startStack(t, stack.Config{})
	once(t, s)
	_, snap := published(t, s)
	// The database says 1; the probe says offline, 5 s after the read; the table says 42 players.
	players := int64(42)
	snap.Players = &players
	off := worldstate.Published(snap.WithProbe(snapshot.ProbeRound{At: snap.UpdatedAt.Add(5 * time.Second), Online: new(false),
		Targets: []snapshot.ProbeResult{{Addr: "127.0.0.1:7777", LatencyMS: 0, Error: "connection refused"}}}), snap.Maintenance, snap.NextMaintenance)
	if err := s.Publisher(time.Now).Publish(off.Encode(), off); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ lang, offline, players, checked string }{
		{"en-US", "Offline", "—", "Checked "},
		{"ru-RU", "Оффлайн", "—", "Проверено "},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			tab := browser(t, tt.lang)
			if got := view(t, tab, s.PublicURL()+"/", "offline"); got != tt.offline {
				t.Errorf("status = %q, want %q", got, tt.offline)
			}
			if got := text(t, tab, "#players .count"); got != tt.players {
				t.Errorf("players = %q, want %q", got, tt.players)
			}
			if got := text(t, tab, "#checked"); !strings.HasPrefix(got, tt.checked) {
				t.Errorf("checked = %q, want %q…", got, tt.checked)
			}
			stale, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.dataset.stale`))
			if err != nil || stale != "false" {
				t.Errorf("offline and current shown as stale (%q, %v): the two states must stay distinct", stale, err)
			}
			dot, err := chromedp.Run(tab, chromedp.Evaluate[string](`getComputedStyle(document.getElementById("status"), "::before").backgroundColor`))
			if err != nil || dot != "rgb(231, 76, 60)" {
				t.Errorf("offline light = %q (%v), want red", dot, err)
			}
		})
	}
}

package nginx_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness"
	"statusedge/internal/harness/stack"
	"statusedge/internal/snapshot"
)

// TestCachesHonourTwoCacheControlLines: the file path sends Cache-Control as two field
// lines (max-age from `expires modified`, the rest from add_header). A real HTTP cache
// (Varnish, builtin VCL) and a browser (Chromium) must read them as one list: the fresh
// file cached and revalidated with 304, the origin's stale answer never cached.
func TestCachesHonourTwoCacheControlLines(t *testing.T) {
	s := startStack(t, stack.Config{Interval: 5, TTL: 30})
	v, err := harness.StartVarnish(t.TempDir(), s.Env["PUBLIC_ADDR"], time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Stop)
	via := "http://" + v.Addr
	counter := func(name string) int {
		t.Helper()
		n, err := v.Counter(name)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	hit := func(r reply) bool { return len(strings.Fields(r.header.Get("X-Varnish"))) == 2 }
	tab := browser(t, "en-US")
	// Two fetches of one URL from the page; the second's transferSize is 0 when it came
	// from the browser's cache.
	twice := func(path string) []float64 {
		t.Helper()
		// A resource timing entry is queued once the body is read: wait for both.
		js := `(async () => { const u = new URL("` + path + `?t=" + Date.now(), location.href).href;
			await (await fetch(u)).text(); await (await fetch(u)).text();
			for (let i = 0; i < 100 && performance.getEntriesByName(u).length < 2; i++) {
				await new Promise(r => setTimeout(r, 20));
			}
			return performance.getEntriesByName(u).map(e => e.transferSize); })()`
		sizes, err := chromedp.Run(tab, chromedp.Evaluate[[]float64](js, chromedp.EvalAwaitPromise))
		if err != nil || len(sizes) != 2 {
			t.Fatalf("fetch twice %s: %v %v", path, sizes, err)
		}
		return sizes
	}

	// The fresh file: cached by both, then revalidated by Varnish with a 304 from nginx.
	once(t, s)
	if err := chromedp.Do(tab, chromedp.Navigate(s.PublicURL()+"/")); err != nil {
		t.Fatal(err)
	}
	if sizes := twice("/api/server/status"); sizes[0] == 0 || sizes[1] != 0 {
		t.Errorf("Chromium did not cache the fresh file: transfer sizes %v", sizes)
	}
	first := get(t, via+"/api/server/status")
	second := get(t, via+"/api/server/status")
	if first.source() != "file" || !hit(second) || string(second.body) != string(first.body) {
		t.Fatalf("fresh file through Varnish: %s; then %s, X-Varnish %q", describe(first), describe(second), second.header.Get("X-Varnish"))
	}
	before := counter("MAIN.fetch_304")
	waitFor(t, 15*time.Second, "Varnish revalidating the expired copy with a 304", func() bool {
		get(t, via+"/api/server/status")
		return counter("MAIN.fetch_304") > before
	})

	// The origin's stale answer: no fresh name on disk, Redis holding an expired snapshot
	// (a miss for the origin), MySQL gone: the origin answers with the last it knows.
	s.MariaDB.Stop()
	old, _ := snapshot.Build(nil, time.Now().Add(-time.Minute), 30*time.Second)
	if err := s.Publisher(time.Now).Publish(old.Encode(), old); err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.Redis.Addr(), DialTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Set(ctx, snapshot.KeyStatus, old.Encode(), 0).Err(); err != nil {
		t.Fatal(err)
	}
	// The pruned names leave nginx's file cache within the edge's ±1 s.
	settle(t, s.PublicURL()+"/status.json", "the pruned names off the edge", nil, func(r reply) bool { return r.source() == "origin" })
	for i := range 2 {
		r := get(t, via+"/status.json")
		if r.code != 200 || r.source() != "origin" || r.snap(t).Cache == nil || !r.snap(t).Cache.Stale || hit(r) {
			t.Fatalf("stale answer through Varnish, request %d: %s, X-Varnish %q", i+1, describe(r), r.header.Get("X-Varnish"))
		}
	}
	if sizes := twice("/status.json"); sizes[1] == 0 {
		t.Errorf("Chromium kept the origin's stale answer: transfer sizes %v", sizes)
	}

}

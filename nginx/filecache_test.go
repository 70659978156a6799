package nginx_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/stack"
	"statusedge/internal/publish"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// edgeBound is the edge's ±1 s (docs/spec.md: open_file_cache_valid 1 s) plus scheduling.
const edgeBound = 1500 * time.Millisecond

// assertHonest fails an answer that claims freshness it does not have: from disk or the
// origin, "stale": false must mean fresh_until is ahead and max-age ends within it;
// anything else must say stale (no-cache, or the JSON 503).
func assertHonest(t *testing.T, what string, r reply, sent time.Time) {
	t.Helper()
	if r.code != 200 && r.code != 503 {
		t.Fatalf("%s: %s", what, describe(r))
	}
	cc := strings.Join(r.header.Values("Cache-Control"), ", ")
	if r.code == 503 || r.source() == "file-stale" || r.source() == "stale" {
		if strings.Contains(cc, "max-age") {
			t.Fatalf("%s: a stale answer with a max-age: %s", what, describe(r))
		}
		return
	}
	snap := r.snap(t)
	if snap.Cache != nil && snap.Cache.Stale {
		if !strings.Contains(cc, "no-cache") {
			t.Fatalf("%s: stale body without no-cache: %s", what, describe(r))
		}
		return
	}
	// nginx and the origin count max-age in whole seconds from the second they answered
	// in, which is the request's sending second or later.
	if age := maxAge(t, r); age < 0 || sent.Truncate(time.Second).Add(time.Duration(age)*time.Second).After(snap.FreshUntil) {
		t.Fatalf("%s: max-age %d sent at %v outlives fresh_until %v: %s", what, age, sent, snap.FreshUntil, describe(r))
	}
}

// TestFileCacheWithinTheEdgeBound: with open_file_cache on the file path, a publish is
// served within 1.5 s of landing and a withdrawn name is no longer served from disk 1.5 s
// after it went (the worst of 3 each), while visitors keep the cache's entries hot; every
// answer on the way keeps max-age within fresh_until.
func TestFileCacheWithinTheEdgeBound(t *testing.T) {
	s := startStack(t, stack.Config{Interval: 600, TTL: 900})
	api := s.PublicURL() + "/api/server/status"
	p := publish.New(s.StatusDir, s.Nginx.Params.MaxAge(), time.Now, time.Sleep)
	var worstFlip, worstWithdraw time.Duration
	for round := range 3 {
		// A new second, so that the read's updated_at, and so its bytes, differ.
		before := get(t, api)
		waitFor(t, 3*time.Second, "a new second", func() bool { return time.Now().Unix() > before.snap(t).UpdatedAt.Unix() })
		stop, errs := hammer(api)
		once(t, s)
		landed := time.Now()
		want, err := os.ReadFile(statusFile(s))
		if err != nil {
			t.Fatal(err)
		}
		for {
			sent := time.Now()
			r := get(t, api)
			assertHonest(t, "after a publish", r, sent)
			if r.source() == "file" && bytes.Equal(r.body, want) {
				worstFlip = max(worstFlip, time.Since(landed))
				break
			}
			if time.Since(landed) > edgeBound {
				t.Fatalf("round %d: the publish not served %v after it landed: %s", round, edgeBound, describe(r))
			}
			time.Sleep(5 * time.Millisecond) // the poll's own pace
		}
		if err := p.Withdraw(nginx.StatusDoc); err != nil {
			t.Fatal(err)
		}
		gone := time.Now()
		for {
			sent := time.Now()
			r := get(t, api)
			assertHonest(t, "after a withdrawal", r, sent)
			if r.source() != "file" {
				worstWithdraw = max(worstWithdraw, time.Since(gone))
				break
			}
			if time.Since(gone) > edgeBound {
				t.Fatalf("round %d: the withdrawn name still served %v after it went: %s", round, edgeBound, describe(r))
			}
			time.Sleep(5 * time.Millisecond) // the poll's own pace
		}
		close(stop)
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("worst of 3: a publish served %v after it landed, a withdrawn name last served from disk %v after it went", worstFlip, worstWithdraw)
}

// hammer reads url on four connections until stop closes (visitors keeping nginx's
// file cache hot), then sends the first error, or nil.
func hammer(url string) (chan struct{}, chan error) {
	stop, errs := make(chan struct{}), make(chan error, 1)
	go func() {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var first error
		c := &http.Client{Timeout: 10 * time.Second}
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := send(c, "GET", url, nil); err != nil {
						mu.Lock()
						first = cmpOr(first, err)
						mu.Unlock()
						return
					}
				}
			})
		}
		wg.Wait()
		errs <- first
	}()
	return stop, errs
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// TestDegradedUnderLoad: nothing fresh on disk and no snapshot in Redis (the snapshotter
// stopped past fresh_until), Redis and MySQL up: 3840 requests on 32 connections through
// the micro-cache get 200s, each honest, and reach the origin, and MySQL, at most once a
// second. Not parallel (no test in this package is): its load must not share the two
// cores with the timing tests.
func TestDegradedUnderLoad(t *testing.T) {
	s := startStack(t, stack.Config{Interval: 600, TTL: 900})
	api := s.PublicURL() + "/api/server/status"
	once(t, s)
	if err := publish.New(s.StatusDir, s.Nginx.Params.MaxAge(), time.Now, time.Sleep).Withdraw(nginx.StatusDoc); err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.Redis.Addr(), DialTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Del(ctx, snapshot.KeyStatus).Err(); err != nil {
		t.Fatal(err)
	}
	selects0, origin0 := selects(t, s), originRequests(t, s)
	// 32 visitors each asking every 25 ms for 3 s: 3840 requests across four of nginx's
	// seconds, so the micro-cache refreshes under load, not only fills.
	const conns, perConn, pace = 32, 120, 25 * time.Millisecond
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
	start := time.Now()
	type answer struct {
		r    reply
		sent time.Time
	}
	all := make([][]answer, conns)
	var wg sync.WaitGroup
	errs := make([]error, conns)
	for i := range conns {
		wg.Go(func() {
			for range perConn {
				sent := time.Now()
				r, err := send(c, "GET", api, nil)
				if err != nil {
					errs[i] = err
					return
				}
				all[i] = append(all[i], answer{r, sent})
				time.Sleep(pace - time.Since(sent)) // the visitors' own pace
			}
		})
	}
	wg.Wait()
	// Whole seconds the load touched: the micro-cache may refresh once in each.
	seconds := int(time.Now().Unix()-start.Unix()) + 1
	sources := map[string]int{}
	for i, as := range all {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		for _, a := range as {
			if a.r.code != 200 {
				t.Fatalf("degraded: %s", describe(a.r))
			}
			assertHonest(t, "degraded", a.r, a.sent)
			sources[a.r.source()+"/"+a.r.header.Get("X-Cache-Status")]++
		}
	}
	sel, org := selects(t, s)-selects0, originRequests(t, s)-origin0
	t.Logf("%d requests on %d connections over %d s: %v; %d origin requests, %d MySQL SELECTs", conns*perConn, conns, seconds, sources, org, sel)
	if org > seconds || org < 1 || sel > seconds {
		t.Errorf("%d origin requests and %d SELECTs in %d s, want at most one a second each", org, sel, seconds)
	}
}

// TestOriginDeathEndsTheMicroCache: an origin answer kept by nginx (fresh for 15 min) is
// not served past one failed refresh once the origin dies: within OriginHold (3 s) and
// scheduling the answer is the last copy marked stale, and every answer before it stays
// honest.
func TestOriginDeathEndsTheMicroCache(t *testing.T) {
	s := startStack(t, stack.Config{Interval: 600, TTL: 900})
	api := s.PublicURL() + "/api/server/status"
	once(t, s)
	if err := publish.New(s.StatusDir, s.Nginx.Params.MaxAge(), time.Now, time.Sleep).Withdraw(nginx.StatusDoc); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "an origin answer", func() bool { return get(t, api).source() == "origin" })
	if err := s.Origin.Kill(); err != nil {
		t.Fatal(err)
	}
	died := time.Now()
	for {
		sent := time.Now()
		r := get(t, api)
		assertHonest(t, "origin dead", r, sent)
		if r.source() != "origin" {
			// last.json is the withdrawn snapshot: fresh by its clock, served marked stale.
			if snap := r.snap(t); r.code != 200 || r.source() != "file-stale" || strings.Join(r.header.Values("Cache-Control"), ", ") != "no-cache" || snap.Cache == nil || !snap.Cache.Stale {
				t.Fatalf("origin dead: want last.json marked stale, got %s", describe(r))
			}
			t.Logf("the kept origin answer served %v after the origin died", time.Since(died))
			break
		}
		if time.Since(died) > nginx.OriginHold+edgeBound {
			t.Fatalf("the kept origin answer still served %v after the origin died: %s", time.Since(died), describe(r))
		}
		time.Sleep(20 * time.Millisecond) // the poll's own pace
	}
}

// settle reads url every 20 ms until done holds for an answer, and returns it: a change
// on disk reaches visitors within the edge's ±1 s (nginx's file cache keeps an open
// file, or a failed lookup, that long), so a test gives it edgeBound and fails past it.
// each, when not nil, checks every answer on the way (the old one too must be honest).
func settle(t *testing.T, url, what string, each func(reply), done func(reply) bool) reply {
	t.Helper()
	start := time.Now()
	for {
		r := get(t, url)
		if each != nil {
			each(r)
		}
		if done(r) {
			return r
		}
		if time.Since(start) > edgeBound {
			t.Fatalf("%s: not within %v: %s", what, edgeBound, describe(r))
		}
		time.Sleep(20 * time.Millisecond) // the poll's own pace
	}
}

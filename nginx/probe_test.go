package nginx_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/harness/stack"
)

// probeStack runs the whole stack (interval 600 s, TTL 900 s) with the snapshotter
// probing g every probeEvery seconds.
func probeStack(t *testing.T, g *harness.GameServer, probeEvery int) *stack.Stack {
	t.Helper()
	return startStack(t, stack.Config{Interval: 600, TTL: 900, Snapshotter: true, Env: map[string]string{
		"GAME_SERVER_ADDR": g.Addr, "GAME_SERVER_PROBE": "banner",
		"STATUS_PROBE_INTERVAL": strconv.Itoa(probeEvery), "STATUS_PROBE_TIMEOUT": "1", "STATUS_PROBE_FAILURES": "2",
	}})
}

type onlineView struct {
	Online *bool `json:"online"`
	Probe  []struct {
		OK bool `json:"ok"`
	} `json:"probe"`
}

// waitOnline polls the public URL until it says online == want, and returns how long it
// took. The pace is short: the flip test measures with it.
func waitOnline(t *testing.T, s *stack.Stack, want bool, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	url := s.PublicURL() + "/api/server/status"
	harnesstest.Eventually(t, timeout, harnesstest.Every(20*time.Millisecond, url), func(context.Context) error {
		r := get(t, url)
		var v onlineView
		if r.code != 200 || json.Unmarshal(r.body, &v) != nil || v.Online == nil || len(v.Probe) != 1 {
			return fmt.Errorf("%d %s, want a probed status", r.code, r.body)
		}
		if *v.Online != want {
			return fmt.Errorf("online %v, want %v: %s", *v.Online, want, r.body)
		}
		return nil
	})
	return time.Since(start)
}

// TestProbeFlipThroughNginx: closing the game server's listener turns the public URL
// offline within 2 probe intervals + 1 s, reopening turns it online within one interval
// + 1 s, and neither flip sends a query to MariaDB. The bound holds for the median of
// five flips of each kind, and every flip holds it with one more second: the publisher
// may wait up to a second for a Last-Modified later than the last (internal/publish), and
// on a loaded machine about one flip in ten was measured that late.
//
// With a 1-s interval and 2 failures the flips land, as measured, at 2.0 s and 1.0 s (the
// test closes and reopens just after a round, so a whole round passes first); nginx adds
// 2-20 ms over status.json on disk, and the poll here 20 ms. The bounds leave the 1 s the
// issue allows for publishing. A flip past its bound has so far always been status.json
// itself flipping a whole second or more late: the probe-to-publish path, not the
// machine's scheduling and not nginx. A failure prints the snapshotter's log.
func TestProbeFlipThroughNginx(t *testing.T) {
	const offlineBound, onlineBound = 3 * time.Second, 2 * time.Second // probe interval 1 s
	g := harnesstest.GameServer(t, true)
	s := probeStack(t, g, 1)
	waitOnline(t, s, true, 15*time.Second)
	var offs, ons []time.Duration
	for i := range 5 {
		before := selects(t, s)
		g.Close()
		offline := waitOnline(t, s, false, offlineBound+time.Second)
		if after := selects(t, s); after != before {
			t.Errorf("flip %d to offline: Com_select %d -> %d, want no query", i+1, before, after)
		}
		before = selects(t, s)
		if err := g.Open(); err != nil {
			t.Fatal(err)
		}
		online := waitOnline(t, s, true, onlineBound+time.Second)
		if after := selects(t, s); after != before {
			t.Errorf("flip %d to online: Com_select %d -> %d, want no query", i+1, before, after)
		}
		t.Logf("flip %d: offline after %v, online again after %v; Com_select unchanged", i+1, offline, online)
		offs, ons = append(offs, offline), append(ons, online)
	}
	if m := median(offs); m > offlineBound {
		t.Errorf("median flip to offline %v, want at most %v (%v)", m, offlineBound, offs)
	}
	if m := median(ons); m > onlineBound {
		t.Errorf("median flip to online %v, want at most %v (%v)", m, onlineBound, ons)
	}
}

// TestProbeRoundsKeepMaxAge: every probe round's publish carries its own second as
// Last-Modified, so the file path keeps a max-age of up to one round for the whole
// interval, where a Last-Modified that lagged one second per round behind made it
// "no-cache" from the third round of a 3-s probe on.
func TestProbeRoundsKeepMaxAge(t *testing.T) {
	g := harnesstest.GameServer(t, true)
	s := probeStack(t, g, 3)
	waitOnline(t, s, true, 15*time.Second)
	url := s.PublicURL() + "/api/server/status"
	var seen []time.Time
	waitFor(t, 20*time.Second, "four probe rounds at the public URL", func() bool {
		r := get(t, url)
		checked := r.snap(t).CheckedAt
		if len(seen) > 0 && !checked.After(seen[len(seen)-1]) {
			return false
		}
		seen = append(seen, checked)
		lm, err := http.ParseTime(r.header.Get("Last-Modified"))
		cc := strings.Join(r.header.Values("Cache-Control"), ", ")
		if err != nil || lm.Before(checked) || time.Since(lm) > 3*time.Second || maxAge(t, r) < 0 {
			t.Errorf("round checked at %v: Last-Modified %q (%v), Cache-Control %q; want the round's second and a max-age",
				checked, r.header.Get("Last-Modified"), err, cc)
		}
		return len(seen) == 4
	})
}

var reMaxAge = regexp.MustCompile(`max-age=(\d+)`)

func maxAge(t *testing.T, r reply) int {
	t.Helper()
	m := reMaxAge.FindStringSubmatch(strings.Join(r.header.Values("Cache-Control"), ", "))
	if m == nil {
		return -1
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestProbeHeaders: with a probe, max-age never exceeds STATUS_PROBE_INTERVAL, on the
// file path and on the origin path.
func TestProbeHeaders(t *testing.T) {
	g := harnesstest.GameServer(t, true)
	s := probeStack(t, g, 1)
	waitOnline(t, s, true, 15*time.Second)
	for _, u := range []string{s.PublicURL() + "/api/server/status", s.PublicURL() + "/status.json", s.PublicURL() + "/api/server/badge.json", s.OriginURL() + "/server/status"} {
		// The badge's folder may be newer than nginx's cached lookup of it (±1 s).
		r := settle(t, u, u, nil, func(r reply) bool { return r.code == 200 })
		cc := strings.Join(r.header.Values("Cache-Control"), ", ")
		if n := maxAge(t, r); n > 1 || (n < 0 && !strings.Contains(cc, "no-cache")) || strings.Contains(cc, "stale-while-revalidate") {
			t.Errorf("%s: Cache-Control %q, want max-age <= 1 (the probe interval)", u, cc)
		}
	}
}

// TestBadgeThroughNginx: badge.json is a valid shields.io endpoint badge with the
// status's headers, and says stale once the snapshot is past its TTL.
func TestBadgeThroughNginx(t *testing.T) {
	const ttl = 3
	s := startStack(t, stack.Config{Interval: 2, TTL: ttl})
	once(t, s)
	badge := s.PublicURL() + "/api/server/badge.json"
	decode := func(r reply) (b struct {
		SchemaVersion int    `json:"schemaVersion"`
		Label         string `json:"label"`
		Message       string `json:"message"`
		Color         string `json:"color"`
	}) {
		t.Helper()
		if r.code != 200 || json.Unmarshal(r.body, &b) != nil || b.SchemaVersion != 1 || b.Label == "" || b.Color == "" {
			t.Fatalf("badge: %d %q", r.code, r.body)
		}
		return b
	}
	r := get(t, badge)
	if b := decode(r); b.Message != "online" {
		t.Errorf("fresh badge says %q", b.Message)
	}
	for k, want := range map[string]string{"Content-Type": "application/json; charset=utf-8", "Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if n := maxAge(t, r); n < 0 || n > 2 {
		t.Errorf("badge max-age = %d, want within the interval", n)
	}
	updated := get(t, s.PublicURL()+"/api/server/status").snap(t).UpdatedAt
	waitFor(t, 10*time.Second, "past the TTL", func() bool { return time.Since(updated) > (ttl+1)*time.Second })
	r = get(t, badge)
	if b := decode(r); b.Message != "stale" {
		t.Errorf("badge past the TTL says %q, want stale", b.Message)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-cache" || r.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("stale badge: Cache-Control %q, CORS %q", cc, r.header.Get("Access-Control-Allow-Origin"))
	}
}

// median is the middle of d (the upper middle for an even count).
func median(d []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(d))
	return s[len(s)/2]
}

package nginx_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/edgetest"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/harness/stack"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// The issue 10 reproductions, each against real nginx, origin, MariaDB and Redis.

// assertStaleOrUnavailable checks an answer given when no fresh source is left: the newest
// snapshot marked stale, or the JSON 503 with Retry-After; never an HTML page, never a
// positive max-age, and within about a second.
func assertStaleOrUnavailable(t *testing.T, what string, r reply, wantFile bool) {
	t.Helper()
	if r.elapsed > 1500*time.Millisecond {
		t.Errorf("%s: answered in %v, want under 1.5 s", what, r.elapsed)
	}
	cc := strings.Join(r.header.Values("Cache-Control"), ", ")
	if strings.Contains(cc, "max-age") || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("%s: %s", what, describe(r))
	}
	switch {
	case wantFile:
		snap := r.snap(t)
		if r.code != 200 || r.source() != "file-stale" || cc != "no-cache" || snap.FreshUntil.After(time.Now()) {
			t.Errorf("%s: want the last snapshot marked stale, got %s", what, describe(r))
		}
	default:
		if r.code != 503 || r.header.Get("Retry-After") == "" || cc != "no-store" || !bytes.Contains(r.body, []byte(`"status":503`)) {
			t.Errorf("%s: want the JSON 503, got %s", what, describe(r))
		}
	}
}

// Reproduction 1: an origin answer cached by nginx, the origin killed, fresh_until
// passed: nginx must not keep presenting the cached copy as current.
func TestCachedOriginAnswerDiesWithItsFreshness(t *testing.T) {
	s := startStack(t, stack.Config{Interval: 2, TTL: 3})
	api := s.PublicURL() + "/api/server/status"
	first := get(t, api)
	snap := first.snap(t)
	if first.code != 200 || first.source() != "origin" || snap.Cache == nil || snap.Cache.Stale {
		t.Fatalf("first answer: %s", describe(first))
	}
	if err := s.Origin.Kill(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "fresh_until to pass", func() bool { return time.Now().After(snap.FreshUntil) })
	for range 5 {
		r := get(t, api)
		if r.code == 200 && r.snap(t).Cache != nil && !r.snap(t).Cache.Stale {
			t.Fatalf("past fresh_until with the origin dead: %s", describe(r))
		}
		assertStaleOrUnavailable(t, "origin dead, nothing on disk", r, false)
	}
}

// Reproduction 2: a cold cache and a dead or hung origin, with a stale snapshot on disk:
// that snapshot, marked stale, within about a second; with nothing on disk, the JSON 503.
func TestDeadOrHungOriginFallsBackToDisk(t *testing.T) {
	s := startStack(t, stack.Config{Interval: 1, TTL: 2})
	api := s.PublicURL() + "/api/server/status"
	once(t, s)
	updated := get(t, api).snap(t).UpdatedAt
	waitFor(t, 10*time.Second, "the snapshot to expire", func() bool { return time.Since(updated) > 3*time.Second })

	if err := s.Origin.Pause(); err != nil {
		t.Fatal(err)
	}
	// Several at once: the ones that wait for the cache lock must not wait longer.
	replies := harnesstest.Concurrently(t, 5, func(int) (reply, error) { return send(freshClient(""), "GET", api, nil) })
	for i, r := range replies {
		assertStaleOrUnavailable(t, "hung origin, request "+string(rune('1'+i)), r, true)
	}
	if err := s.Origin.Kill(); err != nil {
		t.Fatal(err)
	}
	assertStaleOrUnavailable(t, "dead origin", get(t, api), true)

	for _, f := range []string{filepath.Join(nginx.DocDir(s.StatusDir, nginx.StatusDoc), nginx.LastName), statusFile(s)} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	assertStaleOrUnavailable(t, "dead origin, nothing on disk", get(t, api), false)
}

// Reproduction 3 and 8: other methods are refused by nginx itself and never take the
// origin's budget; a preflight gets a CORS answer; ranges are not honoured, so no 416.
func TestOnlyGetAndHeadReachTheOrigin(t *testing.T) {
	s := startStack(t, stack.Config{})
	api := s.PublicURL() + "/api/server/status"
	origin0 := originRequests(t, s)

	// No file: GETs go to the origin while 300 POSTs arrive at the same time.
	all := harnesstest.Concurrently(t, 330, func(i int) (reply, error) {
		if i < 300 {
			return send(freshClient(""), "POST", api, nil)
		}
		return send(freshClient(""), "GET", api, nil)
	})
	posts, gets := all[:300], all[300:]
	for _, r := range posts {
		if r.code != 405 || r.header.Get("Allow") != "GET, HEAD" || r.header.Get("Cache-Control") != "no-store" ||
			r.source() != "" || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("POST: %s, Allow %q", describe(r), r.header.Get("Allow"))
		}
	}
	for _, r := range gets {
		if r.code != 200 || r.source() != "origin" {
			t.Fatalf("GET beside the POSTs: %s", describe(r))
		}
	}
	// At least one: the GETs were answered by the origin, so it must have counted them.
	if n := originRequests(t, s) - origin0; n < 1 || n > 3 {
		t.Errorf("the origin answered %d requests for 30 GETs and 300 POSTs, want a few", n)
	}

	pre := fetch(t, "OPTIONS", api, map[string]string{"Origin": "https://game.example", "Access-Control-Request-Method": "GET"}, "")
	if pre.code != 204 || pre.header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(pre.header.Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d %v", pre.code, pre.header)
	}

	// On the file path too: no cache headers on a refusal, no 416 for a range.
	once(t, s)
	post := fetch(t, "POST", api, nil, "")
	if post.code != 405 || post.header.Get("Cache-Control") != "no-store" || post.source() != "" {
		t.Errorf("POST on the file path: %s", describe(post))
	}
	settle(t, api, "the publish on the edge", nil, func(r reply) bool { return r.source() == "file" })
	rng := fetch(t, "GET", api, map[string]string{"Range": "bytes=100000-200000"}, "")
	if rng.code != 200 || rng.source() != "file" {
		t.Errorf("out-of-range Range on the file path: %s", describe(rng))
	}
}

// Reproduction 4: no answer of any server block names nginx's version.
func TestNoVersionOnAnyAnswer(t *testing.T) {
	s := startStack(t, stack.Config{NginxParams: nginx.Params{DebugAllow: []string{"127.0.0.1"}}})
	api := s.PublicURL() + "/api/server/status"
	shield := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", s.Nginx.Params.ShieldAddr)
		},
	}}
	var answers []reply
	answers = append(answers, get(t, api), get(t, s.PublicURL()+"/nope"), fetch(t, "DELETE", api, nil, ""),
		fetch(t, "OPTIONS", api, nil, ""), fetch(t, "GET", s.PublicURL()+"/api/server/status/debug", nil, "127.0.0.2"))
	if err := s.Origin.Kill(); err != nil {
		t.Fatal(err)
	}
	answers = append(answers, get(t, api))
	resp, err := shield.Get("http://shield/server/status")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The shield's own error page is HTML, but only the public server ever reads it.
	internal := reply{code: resp.StatusCode, header: resp.Header, body: body.Bytes()}
	for _, r := range append(answers, internal) {
		if all := r.header.Get("Server") + string(r.body); strings.Contains(all, "nginx/") {
			t.Errorf("answer names the version: %s, Server %q", describe(r), r.header.Get("Server"))
		}
	}
	for _, r := range answers {
		if r.code != 204 && !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("public answer is not JSON: %s", describe(r))
		}
	}
	if internal.code != 502 {
		t.Errorf("the shield with the origin dead: %s", describe(internal))
	}
}

// Reproduction 5: files planted in STATUS_DIR are never served as the status.
func TestPlantedFilesAreNeverServed(t *testing.T) {
	s := startStack(t, stack.Config{})
	api := s.PublicURL() + "/api/server/status"
	once(t, s)
	good, err := os.ReadFile(statusFile(s))
	if err != nil {
		t.Fatal(err)
	}
	plants := map[string]func(string) error{
		"symlink to /etc/passwd": func(p string) error { return os.Symlink("/etc/passwd", p) },
		"empty":                  func(p string) error { return os.WriteFile(p, nil, 0o644) },
		"invalid":                func(p string) error { return os.WriteFile(p, []byte("{not json"), 0o644) },
		"50 MB":                  func(p string) error { return os.WriteFile(p, bytes.Repeat([]byte(" "), 50<<20), 0o644) },
	}
	for name, plant := range plants {
		if err := os.Remove(statusFile(s)); err != nil {
			t.Fatal(err)
		}
		if err := plant(statusFile(s)); err != nil {
			t.Fatal(err)
		}
		if r := get(t, api); r.code != 200 || !bytes.Equal(r.body, good) {
			t.Errorf("status.json %s: %s", name, describe(r))
		}
		dbg := debugFile(t, s)
		if dbg.Valid || dbg.Error == "" {
			t.Errorf("status.json %s: debug says valid %v, error %q", name, dbg.Valid, dbg.Error)
		}
	}

	// Symlinks planted under every served name are not followed.
	// The names' old files stay served while nginx's file cache holds them (the edge's
	// ±1 s); a symlink is never followed.
	replaceServedNames(t, s, func(n string) error { return os.Symlink("/etc/passwd", n) })
	settle(t, api, "symlinks in the served tree", func(r reply) {
		if bytes.Contains(r.body, []byte("root:")) || r.code != 200 {
			t.Fatalf("symlinks in the served tree: %s", describe(r))
		}
	}, func(r reply) bool { return r.source() == "origin" })
}

// Reproduction 6: a status.json from the future (clock stepped back, or touched) neither
// extends freshness nor max-age.
func TestFutureMtimeNeverExtendsFreshness(t *testing.T) {
	s := startStack(t, stack.Config{})
	api := s.PublicURL() + "/api/server/status"
	once(t, s)
	year := time.Now().Add(365 * 24 * time.Hour)
	if err := os.Chtimes(statusFile(s), year, year); err != nil {
		t.Fatal(err)
	}
	r := get(t, api)
	if m := reCacheControl.FindStringSubmatch(strings.Join(r.header.Values("Cache-Control"), ", ")); m == nil || len(m[1]) > 3 {
		t.Errorf("status.json touched a year ahead: %s", describe(r))
	}
	if dbg := debugFile(t, s); dbg.AgeSeconds == nil || *dbg.AgeSeconds < 0 || dbg.Error == "" {
		t.Errorf("debug for a file from the future: age %v, error %q", dbg.AgeSeconds, dbg.Error)
	}

	// The clock stepped back an hour after a publish: that snapshot's seconds are ahead,
	// so nginx does not serve it from disk.
	ahead := time.Now().Add(time.Hour)
	_, snap := published(t, s)
	republishShifted(t, s, snap, ahead.Sub(snap.UpdatedAt).Truncate(time.Second), func() time.Time { return ahead })
	settle(t, api, "a snapshot stamped an hour ahead off the disk path", nil, func(r reply) bool { return r.source() != "file" })
}

// Reproduction 9: the default debug allow-list is loopback (127.0.0.0/8 and ::1), and a
// directory in place of status.json gives one clear error.
func TestDebugDefaultAllowListAndClearErrors(t *testing.T) {
	s := startStack(t, stack.Config{})
	url := s.PublicURL() + "/api/server/status/debug"
	if r := fetch(t, "GET", url, nil, "127.0.0.2"); r.code != 200 || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("debug from 127.0.0.2 with the default list: %s", describe(r))
	}
	if err := os.Mkdir(statusFile(s), 0o755); err != nil {
		t.Fatal(err)
	}
	dbg := debugFile(t, s)
	if !strings.HasSuffix(dbg.Error, "is a directory, not a file") || strings.Count(dbg.Error, snapshot.FileName) != 1 {
		t.Errorf("directory in place of status.json: error %q", dbg.Error)
	}
}

func TestDebugOnlyForAllowedAddresses(t *testing.T) {
	s := startStack(t, stack.Config{NginxParams: nginx.Params{DebugAllow: []string{"127.0.0.1"}}})
	url := s.PublicURL() + "/api/server/status/debug"
	ok := fetch(t, "GET", url, nil, "127.0.0.1")
	if ok.code != 200 || ok.header.Get("Cache-Control") != "no-store" || !bytes.Contains(ok.body, []byte(`"is_fresh"`)) {
		t.Errorf("from 127.0.0.1: %s", describe(ok))
	}
	denied := fetch(t, "GET", url, nil, "127.0.0.2")
	if denied.code != 403 || denied.header.Get("Cache-Control") != "no-store" || !bytes.Contains(denied.body, []byte(`"status":403`)) {
		t.Errorf("from 127.0.0.2: %s", describe(denied))
	}
}

type debugFileInfo struct {
	Present    bool   `json:"present"`
	Valid      bool   `json:"valid"`
	AgeSeconds *int64 `json:"age_seconds"`
	Error      string `json:"error"`
}

func debugFile(t *testing.T, s *stack.Stack) debugFileInfo {
	t.Helper()
	r := get(t, s.OriginURL()+"/server/status/debug")
	var d struct {
		File debugFileInfo `json:"file"`
	}
	if err := json.Unmarshal(r.body, &d); r.code != 200 || err != nil {
		t.Fatalf("debug: %d %v %s", r.code, err, r.body)
	}
	return d.File
}

// TestEveryErrorIsJSON: requests nginx rejects at any stage, before or after it has a URI,
// get JSON with no-store, never an HTML page (found by the attack review).
func TestEveryErrorIsJSON(t *testing.T) {
	s := startStack(t, stack.Config{})
	once(t, s)
	addr := s.Env["PUBLIC_ADDR"]
	long := strings.Repeat("a", 9000)
	for name, c := range map[string]struct {
		raw  string
		code int
	}{
		"If-Match fails":        {"GET /api/server/status HTTP/1.1\r\nHost: x\r\nIf-Match: \"nope\"\r\n\r\n", 412},
		"header too large":      {"GET /api/server/status HTTP/1.1\r\nHost: x\r\nX-Big: " + long + "\r\n\r\n", 400},
		"URI too long":          {"GET /api/server/status?" + long + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		"NUL in the path":       {"GET /status.json%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		"dot-dot above root":    {"GET /%2e%2e/x HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		"garbage request line":  {"GARBAGE\r\n\r\n", 400},
		"lowercase method":      {"get /api/server/status HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		"HTTP/3.0":              {"GET /api/server/status HTTP/3.0\r\nHost: x\r\n\r\n", 505},
		"unknown transfer code": {"POST /api/server/status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo\r\n\r\n", 501},
		"page as .html":         {"GET /nope.html HTTP/1.1\r\nHost: x\r\n\r\n", 404},
	} {
		t.Run(name, func(t *testing.T) {
			r := raw(t, addr, c.raw)
			if r.code != c.code || r.header.Get("Content-Type") != "application/json; charset=utf-8" ||
				r.header.Get("Cache-Control") != "no-store" || !bytes.Contains(r.body, []byte(`"status":`)) {
				t.Errorf("want a JSON %d: %s", c.code, describe(r))
			}
		})
	}

	// A folder planted under the current name is passed over (no 301), not served.
	replaceServedNames(t, s, func(n string) error { return os.Mkdir(n, 0o755) })
	settle(t, s.PublicURL()+"/api/server/status", "folders under the served names", func(r reply) {
		if r.code != 200 {
			t.Fatalf("folders under the served names: %s", describe(r))
		}
	}, func(r reply) bool { return r.source() == "origin" })
}

// replaceServedNames removes every name the snapshotter links for nginx (the 10-s blocks
// and the longer ones) and plants something else under it.
func replaceServedNames(t *testing.T, s *stack.Stack, plant func(name string) error) {
	t.Helper()
	names, err := edgetest.ServedNames(s.StatusDir, nginx.StatusDoc)
	if err != nil || len(names) == 0 {
		t.Fatalf("served names: %v %v", names, err)
	}
	for _, n := range names {
		if err := os.Remove(n); err != nil {
			t.Fatal(err)
		}
		if err := plant(n); err != nil {
			t.Fatal(err)
		}
	}
}

// raw sends bytes as they are and reads one response.
func raw(t *testing.T, addr, req string) reply {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%q: %v", req[:min(len(req), 40)], err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{code: resp.StatusCode, header: resp.Header, body: body}
}

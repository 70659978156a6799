package nginx_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/stack"
	"statusedge/internal/publish"
	"statusedge/nginx"
)

// TestCheckRefusesAMismatch: a program refuses, in one line naming the command that fixes
// it, an nginx file rendered for other settings or edited by hand; "none" checks nothing.
func TestCheckRefusesAMismatch(t *testing.T) {
	dir := t.TempDir()
	c := nginx.Contract{StatusDir: "/srv/status", Interval: 600 * time.Second, ProbeInterval: 15 * time.Second}
	write := func(name string, b []byte) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	site, err := nginx.Site(nginx.HostParams().WithContract(c))
	if err != nil {
		t.Fatal(err)
	}
	standalone, err := nginx.Standalone(nginx.DockerParams().WithContract(c))
	if err != nil {
		t.Fatal(err)
	}
	sitePath, standalonePath := write("site.conf", site), write("nginx.conf", standalone)
	commented := write("commented.conf", append([]byte("# expires modified +600s;\n"), site...))
	for _, path := range []string{sitePath, standalonePath, commented, "none"} {
		if err := nginx.Check(path, c); err != nil {
			t.Errorf("%s rendered for the same settings: %v", path, err)
		}
	}
	other := func(f func(*nginx.Contract)) nginx.Contract { o := c; f(&o); return o }
	for _, tt := range []struct {
		what, path string
		c          nginx.Contract
		want       []string
	}{
		{"another interval", sitePath, other(func(o *nginx.Contract) { o.ProbeInterval = 0 }), []string{"`expires modified +15s`", "needs 600 s", "STATUS_UPDATE_INTERVAL=600", "snapshotter -print-nginx site > /tmp/statusedge-nginx.conf && mv /tmp/statusedge-nginx.conf " + sitePath}},
		{"another probe interval", standalonePath, other(func(o *nginx.Contract) { o.ProbeInterval = 5 * time.Second }), []string{"needs 5 s", "STATUS_PROBE_INTERVAL=5", "-print-nginx standalone"}},
		{"another STATUS_DIR", sitePath, other(func(o *nginx.Contract) { o.StatusDir = "/var/x" }), []string{"serves documents from /srv/status, STATUS_DIR is /var/x"}},
		{"a hand-edited max-age", write("sed.conf", []byte(strings.Replace(string(site), "expires modified +15s;", "expires modified +600s;", 1))), c, []string{"`expires modified +600s`"}},
		{"a max-age spaced otherwise", write("spaced.conf", []byte(strings.Replace(string(site), "expires modified +15s;", "expires  modified\t+900s;", 1))), c, []string{"`expires modified +900s`"}},
		{"a max-age in minutes", write("minutes.conf", []byte(strings.Replace(string(site), "expires modified +15s;", "expires modified +15m;", 1))), c, []string{"`expires modified +15m`"}},
		{"a hand-edited origin cache", write("cache.conf", []byte(strings.Replace(string(site), "proxy_cache_valid 200 500 502 503 504 1s;", "proxy_cache_valid 200 500 502 503 504 10s;", 1))), c, []string{"`proxy_cache_valid 200 500 502 503 504 10s`"}},
		{"an origin cache for any status", write("any.conf", []byte(strings.Replace(string(site), "proxy_cache_valid 200 500 502 503 504 1s;", "proxy_cache_valid 60s;", 1))), c, []string{"`proxy_cache_valid 60s`"}},
		{"no origin cache rule", write("nocache.conf", []byte(strings.Replace(string(site), "proxy_cache_valid 200 500 502 503 504 1s;", "", 1))), c, []string{"without `proxy_cache_valid 200 500 502 503 504 1s`"}},
		{"a file cache past the edge's 1 s", write("filecache.conf", []byte(strings.Replace(string(site), "open_file_cache_valid 1s;", "open_file_cache_valid 10s;", 1))), c, []string{"`open_file_cache_valid 10s`", "allows 1s"}},
		{"a quoted root elsewhere", write("root.conf", []byte(strings.Replace(string(site), "root /srv/status/$status_folder;", `root "/etc/${status_folder}";`, 1))), c, []string{"serves documents from /etc,"}},
		{"no location for a type", write("notype.conf", []byte(strings.ReplaceAll(string(site), "types { application/rss+xml json; }", ""))), c, []string{"serves no rss documents", "`types { application/rss+xml json; }`"}},
		{"not an nginx file of ours", write("other.conf", []byte("server { listen 80; }\n")), c, []string{"not a statusedge nginx file"}},
		{"no file", filepath.Join(dir, "missing.conf"), c, []string{"no nginx file at", "STATUS_NGINX_CONF=none"}},
	} {
		err := nginx.Check(tt.path, tt.c)
		if err == nil {
			t.Errorf("%s: accepted", tt.what)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "STATUS_NGINX_CONF: ") {
			t.Errorf("%s: %q, want one line naming STATUS_NGINX_CONF", tt.what, msg)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q, want it to say %q", tt.what, err, w)
			}
		}
	}
}

// TestChangedSettingsWithoutRerender: the settings the max-age hint follows, changed in
// the environment with nginx left as rendered, stop both programs at start with the one
// line; the TTL, which nginx does not carry, needs nothing: both paths keep max-age
// within fresh_until.
func TestChangedSettingsWithoutRerender(t *testing.T) {
	s := startStack(t, stack.Config{Interval: 600, TTL: 900})
	for _, env := range [][]string{
		{"STATUS_UPDATE_INTERVAL=300"},
		{"GAME_SERVER_ADDR=127.0.0.1:1", "STATUS_PROBE_INTERVAL=5"},
	} {
		for _, prog := range []string{"snapshotter", "origin"} {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			args := []string{}
			if prog == "snapshotter" {
				args = []string{"-once"}
			}
			out, err := s.Run(ctx, prog, args, env...)
			cancel()
			var exit *exec.ExitError
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || len(lines) != 1 ||
				!strings.Contains(lines[0], "STATUS_NGINX_CONF") || !strings.Contains(lines[0], "-print-nginx standalone > /tmp/statusedge-nginx.conf && mv /tmp/statusedge-nginx.conf "+s.Env[nginx.ConfEnv]) {
				t.Errorf("%s with %v: %v\n%s\nwant exit 1 and one line naming the nginx file and the command", prog, env, err, out)
			}
		}
	}

	api := s.PublicURL() + "/api/server/status"
	once(t, s, "STATUS_CACHE_TTL=700")
	r := get(t, api)
	snap := r.snap(t)
	if left := time.Until(snap.FreshUntil); r.source() != "file" || snap.FreshUntil.Sub(snap.UpdatedAt) != 700*time.Second ||
		time.Duration(maxAge(t, r))*time.Second > left {
		t.Errorf("file path under a TTL of 700 s: %s, fresh_until in %v", describe(r), left)
	}
	// The origin path: nothing served from disk, the origin's answer.
	if err := publish.New(s.StatusDir, s.Nginx.Params.MaxAge(), time.Now, time.Sleep).Withdraw(nginx.StatusDoc); err != nil {
		t.Fatal(err)
	}
	r = settle(t, api, "the withdrawn name off the edge", nil, func(r reply) bool { return r.source() != "file" })
	if left := time.Until(snap.FreshUntil); r.source() != "origin" || time.Duration(maxAge(t, r))*time.Second >= left {
		t.Errorf("origin path under a TTL of 700 s: %s, fresh_until in %v", describe(r), left)
	}
}

// TestAnyDocumentRidesTheContract: a document nginx has never heard of, published through
// the generic mechanism, is served from disk while fresh, stops exactly at its window's
// end, then gives its stale copy, or, without one, the origin's answer (a 404 for a
// document it cannot build); nginx's file is not touched.
func TestAnyDocumentRidesTheContract(t *testing.T) {
	s := startStack(t, stack.Config{Interval: 600, TTL: 900})
	conf, err := os.ReadFile(s.Nginx.Conf)
	if err != nil {
		t.Fatal(err)
	}
	p := publish.New(s.StatusDir, s.Nginx.Params.MaxAge(), time.Now, time.Sleep)
	now := time.Now()
	end := now.Truncate(time.Second).Add(4 * time.Second)
	withStale := publish.Document{Path: "api/test/history", Body: []byte(`{"v":1}` + "\n"), From: now, Until: end, Modified: now, Stale: []byte(`{"v":1,"stale":true}` + "\n")}
	bare := publish.Document{Path: "api/test/summary", Body: []byte(`{"v":2}` + "\n"), From: now, Until: end, Modified: now}
	if err := p.Publish(withStale, bare); err != nil {
		t.Fatal(err)
	}
	docs := []publish.Document{withStale, bare}
	fresh, past := make([]int, len(docs)), make([]int, len(docs))
	for swept := false; !swept; {
		for i, d := range docs {
			url := s.PublicURL() + "/" + d.Path + ".json"
			sent := time.Now()
			r := get(t, url)
			got := time.Now()
			switch {
			case r.source() == "file":
				fresh[i]++
				if string(r.body) != string(d.Body) || r.code != 200 || !sent.Before(end) {
					t.Fatalf("%s sent at %v (window ends %v): %s", d.Path, sent, end, describe(r))
				}
				// nginx counts in whole seconds from the second it answered in, which is
				// the request's sending second or later.
				if age := maxAge(t, r); age < 0 || time.Duration(age)*time.Second > end.Sub(sent.Truncate(time.Second)) {
					t.Errorf("%s: max-age %d sent at %v, past the window's end %v", d.Path, age, sent, end)
				}
			case got.Before(end):
				t.Fatalf("%s answered at %v, before its window's end %v, not from disk: %s", d.Path, got, end, describe(r))
			case d.Stale != nil:
				past[i]++
				if r.code != 200 || string(r.body) != string(d.Stale) || r.source() != "stale" || !strings.Contains(r.header.Get("Cache-Control"), "no-cache") {
					t.Fatalf("%s past its window: %s, want its stale copy", d.Path, describe(r))
				}
			default:
				past[i]++
				if r.code != 404 || r.source() != "" {
					t.Fatalf("%s past its window: %s, want the origin's 404", d.Path, describe(r))
				}
			}
			swept = got.After(end.Add(time.Second))
		}
		time.Sleep(50 * time.Millisecond) // the sweep's own pace
	}
	for i, d := range docs {
		if fresh[i] == 0 || past[i] == 0 {
			t.Errorf("%s: %d answers from disk, %d past the window: the sweep missed a side", d.Path, fresh[i], past[i])
		}
	}
	if after, err := os.ReadFile(s.Nginx.Conf); err != nil || string(after) != string(conf) {
		t.Errorf("nginx's file changed (%v)", err)
	}
}

// TestUnknownAndPlantedDocuments: a document no publisher made answers a JSON 404 from
// nginx without reaching the origin (a flood of made-up names costs the origin nothing),
// and a document folder swapped for a symlink is never followed.
func TestUnknownAndPlantedDocuments(t *testing.T) {
	s := startStack(t, stack.Config{Interval: 600, TTL: 900})
	before := originRequests(t, s)
	for i := range 50 {
		r := get(t, fmt.Sprintf("%s/api/made-up-%d/status.json", s.PublicURL(), i))
		if r.code != 404 || r.header.Get("Content-Type") != "application/json; charset=utf-8" || r.header.Get("X-Cache-Status") != "" {
			t.Fatalf("made-up document: %s, want nginx's JSON 404", describe(r))
		}
	}
	if after := originRequests(t, s); after != before {
		t.Errorf("made-up documents reached the origin: %d requests", after-before)
	}

	// A folder outside STATUS_DIR, holding what a document's folder would, linked in.
	outside := t.TempDir()
	now := time.Now()
	names := append(nginx.Cover(now.Unix(), now.Unix(), now.Unix()+600), nginx.StaleName, nginx.LastName)
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(outside, n), []byte(`{"secret":"outside STATUS_DIR"}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, nginx.DocDir(s.StatusDir, "api/evil")); err != nil {
		t.Fatal(err)
	}
	if r := get(t, s.PublicURL()+"/api/evil.json"); strings.Contains(string(r.body), "secret") || r.code == 200 {
		t.Errorf("symlinked document folder: %s", describe(r))
	}
}

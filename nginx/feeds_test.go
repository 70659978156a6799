package nginx_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"statusedge/internal/feed"
	"statusedge/internal/feed/feedtest"
	"statusedge/internal/harness/stack"
	"statusedge/internal/publish"
	"statusedge/internal/statuspage"
	"statusedge/nginx"
)

// feedInput is an incident and a window of world eu, named under the stack's URL.
func feedInput(pageURL string, now time.Time) statuspage.Input {
	started := now.Add(-3 * time.Minute)
	return statuspage.Input{
		Page:       statuspage.Page{ID: "statusedge", Name: "Test", URL: pageURL, TimeZone: "Etc/UTC", UpdatedAt: now},
		Components: []statuspage.Component{{ID: "eu", Name: "Europe", Status: statuspage.MajorOutage, Position: 1, CreatedAt: started, UpdatedAt: started}},
		Incidents: []statuspage.Incident{{ID: "eu-" + started.Format("20060102T1504Z"), Name: "Europe is offline", NameRU: "Европа: нет связи",
			Status: statuspage.Investigating, CreatedAt: started, UpdatedAt: started, StartedAt: started, Components: []string{"eu"},
			Updates: []statuspage.Update{{ID: "u0", Status: statuspage.Investigating, Body: "Europe stopped answering.", CreatedAt: started, DisplayAt: started}}}},
		Maintenances: []statuspage.Maintenance{{Incident: statuspage.Incident{ID: "eu-m1765000000", Name: "Weekly restart",
			CreatedAt: started, UpdatedAt: started, Components: []string{"eu"}}, ScheduledFor: now.Add(time.Hour), ScheduledUntil: now.Add(2 * time.Hour), Status: statuspage.Scheduled}},
	}
}

// TestFeedsThroughNginx: the feeds, published as documents of type atom and rss, come
// from disk through the real nginx at /history.atom, /history.rss and a world's
// /api/worlds/<id>/history.<ext>, with their Content-Type and the documents' headers
// (max-age, validators, gzip, CORS); they parse, and every entry's link opens its page.
// The world's history.json beside them is its own document. Past its window a feed is
// served marked stale (no-cache, X-Status-Source: stale), never as current.
func TestFeedsThroughNginx(t *testing.T) {
	s := startStack(t, stack.Config{Interval: 2, TTL: 900})
	now := time.Now().UTC().Truncate(time.Second)
	in := feedInput(s.PublicURL(), now)
	p := publish.New(s.StatusDir, s.Nginx.Params.MaxAge(), time.Now, time.Sleep)
	if err := p.Pages(statuspage.Pages(in)); err != nil {
		t.Fatal(err)
	}
	type want struct{ url, ext, self string }
	var wants []want
	bodies := map[string][]byte{}
	for _, d := range []struct {
		doc     string
		in      statuspage.Input
		aliases []string // URLs besides /<doc>.<ext>
	}{{nginx.FeedDoc, in, []string{"/history"}}, {"api/worlds/eu/history", feed.Of(in, "eu"), nil}} {
		for _, ext := range []string{"atom", "rss"} {
			self := s.PublicURL() + "/" + d.doc + "." + ext
			render := map[string]func(statuspage.Input, feed.Meta) ([]byte, error){"atom": feed.Atom, "rss": feed.RSS}[ext]
			body, err := render(d.in, feed.Meta{Title: "Test", Self: self})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Publish(publish.Document{Path: d.doc, Type: ext, Body: body, From: now, Until: now.Add(10 * time.Minute), Modified: now, Stale: body}); err != nil {
				t.Fatal(err)
			}
			for _, u := range append([]string{"/" + d.doc}, d.aliases...) {
				wants = append(wants, want{u + "." + ext, ext, self})
				bodies[u+"."+ext] = body
			}
		}
	}
	history := []byte(`{"world":"eu"}`)
	if err := p.Publish(publish.Document{Path: "api/worlds/eu/history", Body: history, From: now, Until: now.Add(10 * time.Minute), Modified: now}); err != nil {
		t.Fatal(err)
	}
	contentType := map[string]string{"atom": "application/atom+xml; charset=utf-8", "rss": "application/rss+xml; charset=utf-8"}
	for _, w := range wants {
		r := get(t, s.PublicURL()+w.url)
		if r.code != 200 || r.source() != "file" || r.header.Get("Content-Type") != contentType[w.ext] || !bytes.Equal(r.body, bodies[w.url]) {
			t.Fatalf("GET %s: %s", w.url, describe(r))
		}
		if cc := strings.Join(r.header.Values("Cache-Control"), ", "); !reCacheControl.MatchString(cc) {
			t.Errorf("GET %s: Cache-Control %q", w.url, cc)
		}
		for k, v := range map[string]string{"Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"} {
			if r.header.Get(k) != v {
				t.Errorf("GET %s: %s = %q, want %q", w.url, k, r.header.Get(k), v)
			}
		}
		if nm := fetch(t, "GET", s.PublicURL()+w.url, map[string]string{"If-None-Match": r.header.Get("ETag")}, ""); nm.code != 304 {
			t.Errorf("GET %s If-None-Match %q: %d", w.url, r.header.Get("ETag"), nm.code)
		}
		parse := map[string]func([]byte) (feedtest.Feed, error){"atom": feedtest.Atom, "rss": feedtest.RSS}[w.ext]
		f, err := parse(r.body)
		if err != nil {
			t.Fatalf("GET %s: %v\n%s", w.url, err, r.body)
		}
		if len(f.Entries) != 2 || (w.ext == "atom" && f.ID != w.self) {
			t.Errorf("GET %s: feed %q with %d entries, want %q with the incident and the window", w.url, f.ID, len(f.Entries), w.self)
		}
		for _, e := range f.Entries {
			page := get(t, e.Link)
			if page.code != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") || !strings.Contains(string(page.body), e.Title) {
				t.Errorf("%s entry %q: its link %s: %s", w.url, e.Title, e.Link, describe(page))
			}
		}
	}
	gz := fetch(t, "GET", s.PublicURL()+"/history.atom", map[string]string{"Accept-Encoding": "gzip"}, "")
	if gz.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("/history.atom with gzip: %v", gz.header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.body))
	if err != nil {
		t.Fatal(err)
	}
	if unz, err := io.ReadAll(zr); err != nil || !bytes.Equal(unz, bodies["/history.atom"]) {
		t.Errorf("/history.atom gzipped differs from the feed (%v)", err)
	}
	if r := get(t, s.PublicURL()+"/api/worlds/eu/history.json"); r.code != 200 || !bytes.Equal(r.body, history) || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("the history document beside the feeds: %s", describe(r))
	}
	for _, u := range []string{"/api/worlds/zz/history.atom", "/api/worlds/eu/history.xml", "/api/worlds/eu/status.rss"} {
		if r := get(t, s.PublicURL()+u); r.code != 404 || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("GET %s (never published): %s, want nginx's JSON 404", u, describe(r))
		}
	}
	// Made-up feeds never reach the origin; a typed folder swapped for a symlink is
	// never followed.
	before := originRequests(t, s)
	for i := range 20 {
		if r := get(t, fmt.Sprintf("%s/api/made-up-%d/history.atom", s.PublicURL(), i)); r.code != 404 {
			t.Fatalf("made-up feed: %s, want nginx's JSON 404", describe(r))
		}
	}
	if after := originRequests(t, s); after != before {
		t.Errorf("made-up feeds reached the origin: %d requests", after-before)
	}
	outside := t.TempDir()
	for _, n := range append(nginx.Cover(now.Unix(), time.Now().Unix(), time.Now().Unix()+600), nginx.StaleName) {
		if err := os.WriteFile(filepath.Join(outside, n), []byte("<secret/>"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, nginx.TypedDir(s.StatusDir, "api/evil", "rss")); err != nil {
		t.Fatal(err)
	}
	if r := get(t, s.PublicURL()+"/api/evil.rss"); r.code == 200 || strings.Contains(string(r.body), "secret") {
		t.Errorf("symlinked feed folder: %s", describe(r))
	}
	if r := fetch(t, "POST", s.PublicURL()+"/history.rss", nil, ""); r.code != 405 {
		t.Errorf("POST /history.rss: %s, want 405", describe(r))
	}

	// A world's feed past its window: its stale copy, marked so, with its type.
	start := time.Now().UTC().Truncate(time.Second)
	us := feedInput(s.PublicURL(), start)
	body, err := feed.Atom(us, feed.Meta{Title: "Test", Self: s.PublicURL() + "/api/worlds/us/history.atom"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(publish.Document{Path: "api/worlds/us/history", Type: "atom", Body: body, From: start, Until: start.Add(4 * time.Second), Modified: start, Stale: body}); err != nil {
		t.Fatal(err)
	}
	url := s.PublicURL() + "/api/worlds/us/history.atom"
	if r := get(t, url); r.source() != "file" && time.Since(start) < 3*time.Second {
		t.Errorf("within its window: %s", describe(r))
	}
	waitFor(t, 10*time.Second, "the feed past its window", func() bool { return get(t, url).source() != "file" })
	r := get(t, url)
	if r.code != 200 || r.source() != "stale" || r.header.Get("Cache-Control") != "no-cache" || r.header.Get("Content-Type") != contentType["atom"] || !bytes.Equal(r.body, body) {
		t.Errorf("past its window: %s, want its stale copy, no-cache, X-Status-Source: stale", describe(r))
	}
	if time.Since(start) < 4*time.Second {
		t.Errorf("served stale %v after its publish, within its window of 4 s", time.Since(start))
	}
}

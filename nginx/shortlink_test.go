package nginx_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/stack"
	"statusedge/internal/publish"
	"statusedge/internal/statuspage"
	"statusedge/nginx"
)

// TestShortlinksResolve: every shortlink of the Statuspage documents (an incident's and a
// window's) opens its page from disk through the real nginx, 200, HTML, English and
// Russian; an unknown id, a removed page and a page swapped for a symlink are 404s.
func TestShortlinksResolve(t *testing.T) {
	s := startStack(t, stack.Config{Interval: 600, TTL: 900})
	now := time.Now().UTC().Truncate(time.Second)
	started := now.Add(-3 * time.Minute)
	in := statuspage.Input{
		Page:       statuspage.Page{ID: "statusedge", Name: "Test", URL: s.PublicURL(), TimeZone: "Etc/UTC", UpdatedAt: now},
		Components: []statuspage.Component{{ID: "server", Name: "Game server", Status: statuspage.MajorOutage, Position: 1, CreatedAt: started, UpdatedAt: started}},
		Incidents: []statuspage.Incident{{ID: "server-" + started.Format("20060102T1504Z"), Name: "Game server is offline", NameRU: "Игровой сервер: нет связи",
			Status: statuspage.Investigating, Impact: statuspage.ImpactMajor, CreatedAt: started, UpdatedAt: started, StartedAt: started, Components: []string{"server"},
			Updates: []statuspage.Update{{ID: "u0", Status: statuspage.Investigating, Body: "Game server stopped answering.", BodyRU: "Игровой сервер перестал отвечать.", CreatedAt: started, DisplayAt: started}}}},
		Maintenances: []statuspage.Maintenance{{Incident: statuspage.Incident{ID: "server-m1765000000", Name: "Weekly restart", NameRU: "Перезапуск",
			CreatedAt: started, UpdatedAt: started, Components: []string{"server"}}, ScheduledFor: now.Add(time.Hour), ScheduledUntil: now.Add(2 * time.Hour), Status: statuspage.Scheduled}},
	}
	p := publish.New(s.StatusDir, s.Nginx.Params.MaxAge(), time.Now, time.Sleep)
	if err := p.Pages(statuspage.Pages(in)); err != nil {
		t.Fatal(err)
	}
	docs := statuspage.Documents(in)
	var links []string
	for path, list := range map[string]string{statuspage.IncidentsPath: "incidents", statuspage.MaintenancesPath: "scheduled_maintenances"} {
		var d map[string]json.RawMessage
		if err := json.Unmarshal(docs[path], &d); err != nil {
			t.Fatal(err)
		}
		var items []struct{ Shortlink string }
		if err := json.Unmarshal(d[list], &items); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			links = append(links, it.Shortlink)
		}
	}
	slices.Sort(links) // the incident's ("server-2...") before the window's ("server-m...")
	if len(links) != 2 {
		t.Fatalf("shortlinks %v, want the incident's and the window's", links)
	}
	for _, link := range links {
		r := get(t, link)
		if r.code != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("GET %s: %s", link, describe(r))
		}
		if !strings.Contains(string(r.body), `lang="en"`) || !strings.Contains(string(r.body), `lang="ru"`) {
			t.Errorf("GET %s: not a page in English and Russian:\n%s", link, r.body)
		}
	}
	if body := string(get(t, links[0]).body); !strings.Contains(body, "Game server stopped answering.") || !strings.Contains(body, "Игровой сервер перестал отвечать.") {
		t.Errorf("the incident's page does not tell its update:\n%s", body)
	}
	for _, path := range []string{"/incidents/server-20000101T0000Z", "/incidents/", "/incidents/a.b", "/incidents/server/x"} {
		if r := get(t, s.PublicURL()+path); r.code != 404 || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("GET %s: %s, want nginx's JSON 404", path, describe(r))
		}
	}

	// A page swapped for a symlink to a file outside STATUS_DIR is never followed.
	outside := filepath.Join(t.TempDir(), "secret.html")
	if err := os.WriteFile(outside, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(nginx.DocDir(s.StatusDir, nginx.PagesFolder), in.Maintenances[0].ID+".html")
	if err := os.Remove(page); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, page); err != nil {
		t.Fatal(err)
	}
	if r := get(t, links[1]); r.code == 200 || strings.Contains(string(r.body), "secret") {
		t.Errorf("symlinked page: %s", describe(r))
	}

	// The incident gone from the documents: its page goes with it.
	in.Incidents = nil
	if err := p.Pages(statuspage.Pages(in)); err != nil {
		t.Fatal(err)
	}
	if r := get(t, links[0]); r.code != 404 {
		t.Errorf("a page no document names: %s, want 404", describe(r))
	}
	if r := get(t, links[1]); r.code != 200 {
		t.Errorf("the window's page rewritten over the symlink: %s, want 200", describe(r))
	}
}

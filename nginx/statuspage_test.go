package nginx_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
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

// statuspageClient is a folder holding the npm client statuspage.io (pinned in
// testdata/statuspage-client) and read.js, installed once per lock file in the user's
// cache with `npm ci`.
func statuspageClient(t *testing.T) string {
	t.Helper()
	for _, bin := range []string{"node", "npm"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s: %v: install Node.js (`apt-get install nodejs npm`, or make test as root)", bin, err)
		}
	}
	src := filepath.Join("testdata", "statuspage-client")
	lock, err := os.ReadFile(filepath.Join(src, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(lock)
	dir := filepath.Join(cache, "statusedge", "npm-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"package.json", "package-lock.json", "read.js"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "statuspage.io", "package.json")); err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	return dir
}

// TestStatuspageClientReads: an independent Statuspage client from the npm registry
// (statuspage.io, run under node) makes each of its eight reads of the documents nginx
// serves, the three lists included, and reads what they say: the unresolved incident, the
// upcoming window, the components and the roll-up.
func TestStatuspageClientReads(t *testing.T) {
	client := statuspageClient(t)
	s := startStack(t, stack.Config{Interval: 600, TTL: 900})
	now := time.Now().UTC().Truncate(time.Second)
	started := now.Add(-3 * time.Minute)
	in := statuspage.Input{
		Page: statuspage.Page{ID: "statusedge", Name: "Test", URL: s.PublicURL(), TimeZone: "Etc/UTC", UpdatedAt: now},
		Components: []statuspage.Component{
			{ID: "eu", Name: "Europe", Status: statuspage.MajorOutage, Position: 1, CreatedAt: started, UpdatedAt: started},
			{ID: "us", Name: "America", Status: statuspage.UnderMaintenance, Position: 2, CreatedAt: started, UpdatedAt: started},
		},
		Incidents: []statuspage.Incident{{ID: "eu-" + started.Format("20060102T1504Z"), Name: "Europe is offline", Status: statuspage.Investigating,
			Impact: statuspage.ImpactMajor, CreatedAt: started, UpdatedAt: started, StartedAt: started, Components: []string{"eu"}}},
		Maintenances: []statuspage.Maintenance{
			{Incident: statuspage.Incident{ID: "us-m1", Name: "Restart", CreatedAt: started, UpdatedAt: started, Components: []string{"us"}},
				ScheduledFor: started, ScheduledUntil: now.Add(time.Hour), Status: statuspage.InProgress},
			{Incident: statuspage.Incident{ID: "eu-m2", Name: "Weekly", CreatedAt: started, UpdatedAt: started, Components: []string{"eu"}},
				ScheduledFor: now.Add(2 * time.Hour), ScheduledUntil: now.Add(3 * time.Hour), Status: statuspage.Scheduled},
		},
	}
	p := publish.New(s.StatusDir, s.Nginx.Params.MaxAge(), time.Now, time.Sleep)
	for path, body := range statuspage.Documents(in) {
		if err := p.Publish(publish.Document{Path: path, Body: body, From: now, Until: now.Add(10 * time.Minute), Modified: now}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "read.js", s.PublicURL())
	cmd.Dir = client
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node read.js: %v\n%s", err, out)
	}
	type item struct{ ID, Status string }
	var got map[string]struct {
		OK    bool
		Error string
		Data  struct {
			Status                struct{ Indicator string }
			Components            []item
			Incidents             []item
			ScheduledMaintenances []item `json:"scheduled_maintenances"`
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(got) != 8 {
		t.Fatalf("%d calls reported, want 8: %s", len(got), out)
	}
	for call, r := range got {
		if !r.OK {
			t.Errorf("%s failed: %s", call, r.Error)
		}
	}
	ids := func(items []item) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.ID+":"+it.Status)
		}
		return out
	}
	for _, tt := range []struct {
		call string
		got  []string
		want []string
	}{
		{"getSummary components", ids(got["getSummary"].Data.Components), []string{"eu:major_outage", "us:under_maintenance"}},
		{"getComponents", ids(got["getComponents"].Data.Components), []string{"eu:major_outage", "us:under_maintenance"}},
		{"incidents.getUnresolved", ids(got["incidents.getUnresolved"].Data.Incidents), []string{in.Incidents[0].ID + ":investigating"}},
		{"scheduledMaintenances.getUpcoming", ids(got["scheduledMaintenances.getUpcoming"].Data.ScheduledMaintenances), []string{"eu-m2:scheduled"}},
		{"incidents.getAll", ids(got["incidents.getAll"].Data.Incidents), []string{in.Incidents[0].ID + ":investigating"}},
	} {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.call, tt.got, tt.want)
		}
	}
	if ind := got["getStatus"].Data.Status.Indicator; ind != "major" {
		t.Errorf("getStatus: indicator %q, want major", ind)
	}
	// statuspage.io 3.2.10's scheduledMaintenances.getActive and getAll both ask
	// upcoming.json (its own slip; they succeed above): active.json is checked here, for
	// the clients that ask it.
	if r := get(t, s.PublicURL()+"/"+statuspage.ActivePath+".json"); r.code != 200 || !strings.Contains(string(r.body), `"id":"us-m1"`) || strings.Contains(string(r.body), `"id":"eu-m2"`) {
		t.Errorf("active.json: %s", describe(r))
	}
}

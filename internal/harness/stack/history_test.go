package stack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/harness/stack"
	"statusedge/internal/history"
	"statusedge/internal/snapshot"
	"statusedge/internal/statuspage"
	"statusedge/internal/statuspage/schematest"
)

// hooks stands in for Discord: it keeps every message's text.
type hooks struct {
	mu   sync.Mutex
	msgs []string
}

func newHooks(t *testing.T) (*hooks, string) {
	t.Helper()
	h := &hooks{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		var m struct {
			Content string `json:"content"`
		}
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil || m.Content == "" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.msgs = append(h.msgs, m.Content)
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return h, srv.URL + "/hook"
}

func (h *hooks) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.msgs...)
}

// count is how many messages mention every word.
func (h *hooks) count(words ...string) int {
	n := 0
	for _, m := range h.all() {
		m = strings.ToLower(m)
		all := true
		for _, w := range words {
			all = all && strings.Contains(m, w)
		}
		if all {
			n++
		}
	}
	return n
}

// TestOutageHistoryAndMaintenance runs the whole stack with two worlds, each with its own
// game server and webhook, and takes both game servers down for three minutes; "planned"
// is inside a maintenance window started from the command line for it. "plain" gets one
// incident of 3 minutes (plus or minus one: the minutes of the close and of the reopening
// hold down rounds), an offline and an online message; "planned" gets no incident, says
// maintenance while down, and its webhook hears "maintenance started" and "ended" and no
// offline. None of it reads MySQL: Com_select does not move.
func TestOutageHistoryAndMaintenance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin := built(t)
	seed := harnesstest.DemoSeed(t)
	var worlds strings.Builder
	worlds.WriteString("worlds:\n")
	games := map[string]*harness.GameServer{}
	hooksOf := map[string]*hooks{}
	var schemas []stack.Schema
	for _, id := range []string{"plain", "planned"} {
		games[id] = harnesstest.GameServer(t, true)
		var url string
		hooksOf[id], url = newHooks(t)
		schemas = append(schemas, stack.Schema{Name: "tz_" + id, Seed: seed})
		fmt.Fprintf(&worlds, "  - id: %s\n    name: {en: \"World %s\", ru: \"Мир %s\"}\n    database: {schema: tz_%s}\n    game_server: {addr: [\"%s\"]}\n    webhook_url: \"%s\"\n",
			id, id, id, id, games[id].Addr, url)
	}
	file := filepath.Join(t.TempDir(), "worlds.yml")
	if err := os.WriteFile(file, []byte(worlds.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// One read at start and none after (a 10-minute interval): the record adds none.
	s, err := stack.Start(ctx, stack.Config{Dir: t.TempDir(), Bin: bin, Interval: 600, TTL: 900, Schemas: schemas, Snapshotter: true,
		Env: map[string]string{"STATUS_WORLDS_FILE": file, "STATUS_PROBE_INTERVAL": "1", "STATUS_PROBE_FAILURES": "2", "STATUS_WEBHOOK_MIN_GAP": "0"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("snapshotter log:\n%s", s.Logs("snapshotter"))
		}
	})
	c := &http.Client{Timeout: 5 * time.Second}
	getJSON := func(path string, v any) error {
		resp, body, _, err := harnesstest.Send(c, http.MethodGet, s.PublicURL()+path, nil)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return json.Unmarshal(body, v)
	}
	// The Statuspage documents, each checked against its schema, and the roll-up and
	// the unresolved incidents summary.json says.
	docSchemas := schematest.Schemas(t, filepath.Join(harnesstest.ModuleRoot(t), "internal", "statuspage", "schema"),
		statuspage.StatusPath, statuspage.SummaryPath, statuspage.ComponentsPath, statuspage.IncidentsPath, statuspage.MaintenancesPath,
		statuspage.UnresolvedPath, statuspage.UpcomingPath, statuspage.ActivePath)
	statuspageSays := func(indicator string, unresolved int) {
		t.Helper()
		harnesstest.Eventually(t, 30*time.Second, harnesstest.Every(time.Second, "the Statuspage documents"), func(context.Context) error {
			for doc, schema := range docSchemas {
				resp, body, _, err := harnesstest.Send(c, http.MethodGet, s.PublicURL()+"/"+doc+".json", nil)
				if err != nil {
					return err
				}
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("GET /%s.json: %s", doc, resp.Status)
				}
				if err := schematest.Validate(schema, body); err != nil {
					t.Fatalf("/%s.json does not validate: %v\n%s", doc, err, body)
				}
			}
			var sum struct {
				Status    struct{ Indicator string }
				Incidents []struct{ Name string }
			}
			if err := getJSON("/"+statuspage.SummaryPath+".json", &sum); err != nil {
				return err
			}
			if sum.Status.Indicator != indicator || len(sum.Incidents) != unresolved {
				return fmt.Errorf("summary.json: indicator %q with %d unresolved incidents, want %q with %d", sum.Status.Indicator, len(sum.Incidents), indicator, unresolved)
			}
			return nil
		})
	}
	status := func(id string) (snapshot.Snapshot, error) {
		var raw json.RawMessage
		if err := getJSON("/api/worlds/"+id+"/status.json", &raw); err != nil {
			return snapshot.Snapshot{}, err
		}
		return snapshot.Parse(raw)
	}
	for id := range games {
		harnesstest.Eventually(t, 30*time.Second, harnesstest.Every(200*time.Millisecond, id+"'s history"), func(context.Context) error {
			var doc history.Document
			if err := getJSON("/api/worlds/"+id+"/history.json", &doc); err != nil {
				return err
			}
			// Under a quarter of an hour recorded, the 24-h figure is null (MinCoverage).
			today := doc.Days[len(doc.Days)-1]
			if u := doc.Uptime.H24; today.Up == 0 || doc.Coverage.H24 == 0 || (u != nil && *u != 100) {
				return fmt.Errorf("today %d minutes up, 24-h coverage %v, uptime %v: want a minute recorded up, and no figure but 100", today.Up, doc.Coverage.H24, u)
			}
			return nil
		})
	}
	statuspageSays("none", 0)
	before, err := s.MariaDB.Selects(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The window: from now until the test ends it, after the outage.
	ran := time.Now().Truncate(time.Second)
	out, err := s.Run(ctx, "snapshotter", []string{"maintenance", "start", "-world", "planned",
		"-until", time.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339), "-message-en", "Weekly restart", "-message-ru", "Еженедельный перезапуск"})
	if err != nil {
		t.Fatalf("maintenance start: %v\n%s", err, out)
	}
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(200*time.Millisecond, "planned's status"), func(context.Context) error {
		st, err := status("planned")
		if err != nil {
			return err
		}
		if st.Status != snapshot.StatusMaintenance || st.Maintenance == nil || st.Maintenance.Message.EN != "Weekly restart" {
			return fmt.Errorf("status %q, window %+v; want maintenance with its message", st.Status, st.Maintenance)
		}
		return nil
	})
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(200*time.Millisecond, "planned's webhook"), func(context.Context) error {
		if n := hooksOf["planned"].count("maintenance", "start"); n != 1 {
			return fmt.Errorf("%d \"maintenance started\" messages: %q", n, hooksOf["planned"].all())
		}
		return nil
	})

	statuspageSays("maintenance", 0)
	// Created when the command ran (never a day before its start), and its shortlink opens.
	var active struct {
		ScheduledMaintenances []struct {
			CreatedAt time.Time `json:"created_at"`
			Shortlink string
		} `json:"scheduled_maintenances"`
	}
	if err := getJSON("/"+statuspage.ActivePath+".json", &active); err != nil {
		t.Fatal(err)
	}
	if len(active.ScheduledMaintenances) != 1 || active.ScheduledMaintenances[0].CreatedAt.Before(ran) || active.ScheduledMaintenances[0].CreatedAt.After(time.Now()) {
		t.Errorf("active.json %+v: want the window created when the command ran (%v)", active, ran)
	}
	shortlinkOpens := func(link string) {
		t.Helper()
		resp, body, _, err := harnesstest.Send(c, http.MethodGet, link, nil)
		if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `lang="ru"`) {
			t.Errorf("GET %s: %v %v, want 200 with the page:\n%s", link, resp, err, body)
		}
	}
	for _, m := range active.ScheduledMaintenances {
		shortlinkOpens(m.Shortlink)
	}
	for _, g := range games {
		g.Close()
	}
	closed := time.Now()
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(200*time.Millisecond, "the outage in the status"), func(context.Context) error {
		for id := range games {
			st, err := status(id)
			if err != nil {
				return err
			}
			want := map[string]string{"plain": snapshot.StatusOffline, "planned": snapshot.StatusMaintenance}[id]
			if st.Online || st.Status != want {
				return fmt.Errorf("%s: online %v status %q, want offline and %q", id, st.Online, st.Status, want)
			}
		}
		return nil
	})
	statuspageSays("major", 1) // one of two worlds down, the other in maintenance
	// Three minutes down, by the wall clock: what the record counts is minutes.
	time.Sleep(time.Until(closed.Add(3 * time.Minute)))
	for _, g := range games {
		if err := g.Open(); err != nil {
			t.Fatal(err)
		}
	}
	reopened := time.Now()
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(200*time.Millisecond, "plain back online"), func(context.Context) error {
		st, err := status("plain")
		if err != nil {
			return err
		}
		if !st.Online {
			return fmt.Errorf("plain still offline")
		}
		return nil
	})
	if out, err := s.Run(ctx, "snapshotter", []string{"maintenance", "end", "-world", "planned"}); err != nil {
		t.Fatalf("maintenance end: %v\n%s", err, out)
	}

	var plain history.Document
	harnesstest.Eventually(t, 90*time.Second, harnesstest.Every(time.Second, "plain's incident"), func(context.Context) error {
		if err := getJSON("/api/worlds/plain/history.json", &plain); err != nil {
			return err
		}
		if len(plain.Incidents) != 1 || plain.Incidents[0].Ongoing {
			return fmt.Errorf("incidents %+v, want one that ended", plain.Incidents)
		}
		return nil
	})
	if m := plain.Incidents[0].Minutes; m < 2 || m > 4 {
		t.Errorf("plain's incident lasted %d minutes, want 3 ± 1: %+v", m, plain.Incidents[0])
	}
	// To the probe's second (1-s rounds, 2 failures): the flips, not the minutes.
	inc := plain.Incidents[0]
	if inc.StartedAt.Before(closed.Truncate(time.Second)) || inc.StartedAt.After(closed.Add(4*time.Second)) ||
		inc.EndedAt == nil || inc.EndedAt.Before(reopened.Truncate(time.Second)) || inc.EndedAt.After(reopened.Add(3*time.Second)) {
		t.Errorf("plain's incident %v..%v: want it to start within 4 s of the close (%v) and end within 3 s of the reopening (%v)", inc.StartedAt, inc.EndedAt, closed, reopened)
	}
	var incs struct {
		Incidents []struct {
			ID         string
			StartedAt  time.Time  `json:"started_at"`
			ResolvedAt *time.Time `json:"resolved_at"`
			Shortlink  string
		}
	}
	// One pass publishes both, one document after the other, each in a second of its own
	// (its mtime): the Statuspage one follows the history within a second or two.
	harnesstest.Eventually(t, 3*time.Second, harnesstest.Every(100*time.Millisecond, "incidents.json as the history says"), func(context.Context) error {
		if err := getJSON("/"+statuspage.IncidentsPath+".json", &incs); err != nil {
			return err
		}
		if len(incs.Incidents) != 1 || incs.Incidents[0].ID != "plain-"+inc.ID || !incs.Incidents[0].StartedAt.Equal(inc.StartedAt) ||
			incs.Incidents[0].ResolvedAt == nil || !incs.Incidents[0].ResolvedAt.Equal(*inc.EndedAt) {
			return fmt.Errorf("incidents.json %+v, want plain's incident as the history says %+v", incs, inc)
		}
		return nil
	})
	shortlinkOpens(incs.Incidents[0].Shortlink)
	harnesstest.Eventually(t, 60*time.Second, harnesstest.Every(time.Second, "planned after the window"), func(context.Context) error {
		var doc history.Document
		if err := getJSON("/api/worlds/planned/history.json", &doc); err != nil {
			return err
		}
		st, err := status("planned")
		switch {
		case err != nil:
			return err
		case st.Status != snapshot.StatusOnline:
			return fmt.Errorf("planned's status %q after the window, want online", st.Status)
		case len(doc.Incidents) != 0:
			return fmt.Errorf("planned has incidents %+v, want none inside its window", doc.Incidents)
		case doc.Days[len(doc.Days)-1].Maintenance < 3:
			return fmt.Errorf("planned's day %+v, want at least 3 minutes in maintenance", doc.Days[len(doc.Days)-1])
		case hooksOf["planned"].count("maintenance", "end") != 1:
			return fmt.Errorf("planned's messages %q, want one \"maintenance ended\"", hooksOf["planned"].all())
		}
		return nil
	})
	statuspageSays("none", 0)
	if n := hooksOf["planned"].count("offline"); n != 0 {
		t.Errorf("planned's webhook heard offline %d times: %q", n, hooksOf["planned"].all())
	}
	if n := hooksOf["plain"].count("offline"); n != 1 {
		t.Errorf("plain's webhook heard offline %d times, want 1: %q", n, hooksOf["plain"].all())
	}
	after, err := s.MariaDB.Selects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("Com_select moved by %d during the outage and the window: the record and the documents must read no database", after-before)
	}
	t.Logf("plain: incident %+v; planned: %d messages %q; Com_select %d -> %d", plain.Incidents[0], len(hooksOf["planned"].all()), hooksOf["planned"].all(), before, after)
}

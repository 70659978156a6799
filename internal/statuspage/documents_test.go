package statuspage

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"statusedge/internal/statuspage/schematest"

	"statusedge/nginx"
)

var update = flag.Bool("update", false, "write testdata/<situation>.summary.json from this run")

// schemaOf maps each document to its schema in schema/.
func schemaOf() map[string]string {
	return map[string]string{
		StatusPath:       "status",
		SummaryPath:      "summary",
		ComponentsPath:   "components",
		IncidentsPath:    "incidents",
		MaintenancesPath: "scheduled-maintenances",
		UnresolvedPath:   "unresolved",
		UpcomingPath:     "upcoming",
		ActivePath:       "active",
	}
}

// compile compiles the schema of every document, by path.
func compile(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	return schematest.Schemas(t, "schema", slices.Collect(maps.Keys(schemaOf()))...)
}

func validate(s *jsonschema.Schema, body []byte) error { return schematest.Validate(s, body) }

// TestDocumentsValidate: the five documents of each situation validate against the
// schemas, and summary.json is its golden sample in testdata.
func TestDocumentsValidate(t *testing.T) {
	schemas := compile(t)
	for _, sit := range situations() {
		t.Run(sit.name, func(t *testing.T) {
			docs := Documents(sit.in)
			if got := slices.Sorted(maps.Keys(docs)); !slices.Equal(got, slices.Sorted(maps.Keys(schemaOf()))) {
				t.Fatalf("documents %v, want %v", got, slices.Sorted(maps.Keys(schemaOf())))
			}
			for path, body := range docs {
				if err := validate(schemas[path], body); err != nil {
					t.Errorf("%s: %v\n%s", path, err, body)
				}
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, docs[SummaryPath], "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			golden := filepath.Join("testdata", sit.name+".summary.json")
			if *update {
				if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden (go test -run TestDocumentsValidate -update writes it): %v", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("summary.json differs from %s (-update to accept):\n%s", golden, pretty.Bytes())
			}
		})
	}
}

// TestSchemaRefuses: the schemas can fail: each spoiled summary.json is refused.
func TestSchemaRefuses(t *testing.T) {
	schemas := compile(t)
	body := Documents(situations()[1].in)[SummaryPath]
	if err := validate(schemas[SummaryPath], body); err != nil {
		t.Fatalf("the unspoiled document: %v", err)
	}
	tests := []struct {
		name  string
		where string // the spot the refusal names
		spoil func(doc map[string]any)
	}{
		{"component status not in the value set", "/components/0/status", func(d map[string]any) { comp(d, 0)["status"] = "down" }},
		{"indicator not in the value set", "/status/indicator", func(d map[string]any) { d["status"].(map[string]any)["indicator"] = "ok" }},
		{"incident status of a maintenance", "/incidents/0/status", func(d map[string]any) { d["incidents"].([]any)[0].(map[string]any)["status"] = "in_progress" }},
		{"resolved incident in summary", "/incidents/0/status", func(d map[string]any) { d["incidents"].([]any)[0].(map[string]any)["status"] = "resolved" }},
		{"page without time_zone", "/page", func(d map[string]any) { delete(d["page"].(map[string]any), "time_zone") }},
		{"component without group_id", "/components/1", func(d map[string]any) { delete(comp(d, 1), "group_id") }},
		{"update without affected_components", "/incidents/0/incident_updates/0", func(d map[string]any) {
			delete(d["incidents"].([]any)[0].(map[string]any)["incident_updates"].([]any)[0].(map[string]any), "affected_components")
		}},
		{"position a string", "/components/0/position", func(d map[string]any) { comp(d, 0)["position"] = "1" }},
		{"time without milliseconds", "/components/0/updated_at", func(d map[string]any) { comp(d, 0)["updated_at"] = "2026-12-02T10:03:00Z" }},
		{"a field Statuspage does not have", "/components/0", func(d map[string]any) { comp(d, 0)["state"] = "up" }},
		{"an update field Statuspage does not have", "/incidents/0/incident_updates/0/author", func(d map[string]any) {
			d["incidents"].([]any)[0].(map[string]any)["incident_updates"].([]any)[0].(map[string]any)["author"] = "ops"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			tt.spoil(doc)
			spoilt, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			err = validate(schemas[SummaryPath], spoilt)
			if err == nil {
				t.Fatalf("accepted:\n%s", spoilt)
			}
			if !strings.Contains(err.Error(), "at '"+tt.where+"'") {
				t.Errorf("refused for another reason than %s: %v", tt.where, err)
			}
		})
	}
}

func comp(doc map[string]any, i int) map[string]any {
	return doc["components"].([]any)[i].(map[string]any)
}

// TestDocumentsSay: what a reader of each document finds beyond the schema: which
// incidents and maintenances each lists, and one status in status.json and summary.json.
func TestDocumentsSay(t *testing.T) {
	type counts struct{ summaryIncidents, summaryMaintenances, incidents, maintenances int }
	want := map[string]counts{
		"all-up":               {0, 0, 1, 1},
		"one-world-down":       {1, 0, 2, 1},
		"maintenance":          {0, 2, 1, 3},
		"incident-with-update": {1, 0, 2, 1},
	}
	type entry struct{ ID, Status string }
	type doc struct {
		Incidents    []entry `json:"incidents"`
		Maintenances []entry `json:"scheduled_maintenances"`
		Status       *struct{ Indicator, Description string }
	}
	for _, sit := range situations() {
		t.Run(sit.name, func(t *testing.T) {
			read := map[string]*doc{SummaryPath: {}, IncidentsPath: {}, MaintenancesPath: {}, StatusPath: {}}
			for path, body := range Documents(sit.in) {
				if d, ok := read[path]; ok {
					if err := json.Unmarshal(body, d); err != nil {
						t.Fatalf("%s: %v", path, err)
					}
				}
			}
			summary := read[SummaryPath]
			got := counts{len(summary.Incidents), len(summary.Maintenances), len(read[IncidentsPath].Incidents), len(read[MaintenancesPath].Maintenances)}
			if got != want[sit.name] {
				t.Errorf("counts (summary incidents, summary maintenances, incidents, maintenances) = %v, want %v", got, want[sit.name])
			}
			for _, m := range summary.Maintenances {
				if m.Status == string(Completed) {
					t.Errorf("summary lists completed maintenance %s", m.ID)
				}
			}
			for _, inc := range summary.Incidents {
				if !IncidentStatus(inc.Status).Unresolved() {
					t.Errorf("summary lists %s incident %s", inc.Status, inc.ID)
				}
			}
			st, sst := *read[StatusPath].Status, *summary.Status
			if st != sst || st.Indicator != string(sit.wantInd) || st.Description != sit.wantDesc {
				t.Errorf("status.json %v, summary.json %v; want {%s %s}", st, sst, sit.wantInd, sit.wantDesc)
			}
		})
	}
}

// TestIncidentsNewest50: incidents.json lists the 50 newest, newest first, and
// summary.json every unresolved one, even past the 50th.
func TestIncidentsNewest50(t *testing.T) {
	in := Input{Page: testPage(), Components: worlds(nil)}
	for i := range 60 {
		start := at(0, 0).Add(-time.Duration(i) * time.Hour)
		status := Resolved
		if i == 59 {
			status = Monitoring // the oldest, still open
		}
		in.Incidents = append(in.Incidents, Incident{ID: fmt.Sprintf("i%02d", i), Name: "outage", Status: status, Impact: ImpactMinor, CreatedAt: start, UpdatedAt: start})
	}
	docs := Documents(in)
	var incidents struct{ Incidents []struct{ ID string } }
	if err := json.Unmarshal(docs[IncidentsPath], &incidents); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, inc := range incidents.Incidents {
		ids = append(ids, inc.ID)
	}
	if len(ids) != MaxIncidents || ids[0] != "i00" || ids[49] != "i49" {
		t.Errorf("incidents.json lists %v, want i00..i49", ids)
	}
	var summary struct{ Incidents []struct{ ID string } }
	if err := json.Unmarshal(docs[SummaryPath], &summary); err != nil {
		t.Fatal(err)
	}
	if len(summary.Incidents) != 1 || summary.Incidents[0].ID != "i59" {
		t.Errorf("summary.json incidents %v, want [i59]", summary.Incidents)
	}
}

// TestIncidentFields: the fields derived rather than copied.
func TestIncidentFields(t *testing.T) {
	inc := Incident{
		ID: "x", Name: "Europe offline", Status: Monitoring, Impact: ImpactMajor,
		CreatedAt: at(9, 0), UpdatedAt: at(9, 30), Components: []string{"eu", "gone"},
		Updates: []Update{ // given oldest first: the documents put the newest first
			{ID: "1", Status: Investigating, Body: "offline", CreatedAt: at(9, 0), DisplayAt: at(9, 0)},
			{ID: "2", Status: Monitoring, Body: "restarted", CreatedAt: at(9, 20), DisplayAt: at(9, 20)},
			{ID: "3", Status: Monitoring, Body: "still fine", CreatedAt: at(9, 30), DisplayAt: at(9, 30)},
		},
	}
	body := string(Documents(Input{Page: testPage(), Components: worlds(nil), Incidents: []Incident{inc}})[IncidentsPath])
	for _, want := range []string{
		`"monitoring_at":"2026-12-02T09:20:00.000Z"`,
		`"started_at":"2026-12-02T09:00:00.000Z"`,
		`"shortlink":"https://status.example.org/incidents/x"`,
		`"resolved_at":null`,
		`"updated_at":"2026-12-02T10:03:00.000Z"`, // the page's
	} {
		if !strings.Contains(body, want) {
			t.Errorf("incidents.json lacks %s:\n%s", want, body)
		}
	}
	if ids := regexp.MustCompile(`"incident_updates":\[\{"id":"(\d)".*?\},\{"id":"(\d)".*?\},\{"id":"(\d)"`).FindStringSubmatch(body); ids == nil || strings.Join(ids[1:], "") != "321" {
		t.Errorf("updates not newest first: %v\n%s", ids, body)
	}
	if strings.Contains(body, `"gone"`) || strings.Count(body, `"page_id":"statusedge"`) != 2 {
		t.Errorf("components: want only eu (the incident's and its component's page_id):\n%s", body)
	}
}

// TestPathsServable: nginx serves each document at /<path>.json by the edge contract.
func TestPathsServable(t *testing.T) {
	for path := range Documents(Input{Page: testPage()}) {
		if err := nginx.CheckDoc(path); err != nil {
			t.Error(err)
		}
	}
}

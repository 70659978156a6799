package statuspage

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// ids are the ids and statuses of a list document's items, in order.
func ids(t *testing.T, body []byte, list string) []string {
	t.Helper()
	var doc map[string]json.RawMessage
	var items []struct{ ID, Status string }
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if err := json.Unmarshal(doc[list], &items); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.ID+":"+it.Status)
	}
	return out
}

// TestListsHoldTheirStatuses: unresolved.json, upcoming.json and active.json list exactly
// the items of their statuses, as Statuspage's do (what an npm client's getUnresolved,
// getUpcoming and getActive read), each the same item as in the full list.
func TestListsHoldTheirStatuses(t *testing.T) {
	tests := []struct {
		situation string
		path      string
		list      string
		want      []string
	}{
		{"all-up", UnresolvedPath, "incidents", nil},
		{"all-up", UpcomingPath, "scheduled_maintenances", nil},
		{"all-up", ActivePath, "scheduled_maintenances", nil},
		{"one-world-down", UnresolvedPath, "incidents", []string{"20261202T0958Z:investigating"}},
		{"incident-with-update", UnresolvedPath, "incidents", []string{"20261202T0940Z:identified"}},
		{"maintenance", UpcomingPath, "scheduled_maintenances", []string{"m-20261203T0100Z:scheduled"}},
		{"maintenance", ActivePath, "scheduled_maintenances", []string{"m-20261202T0930Z:in_progress"}},
		{"maintenance", UnresolvedPath, "incidents", nil},
	}
	sits := map[string]Input{}
	for _, s := range situations() {
		sits[s.name] = s.in
	}
	for _, tt := range tests {
		t.Run(tt.situation+"/"+tt.path, func(t *testing.T) {
			docs := Documents(sits[tt.situation])
			got := ids(t, docs[tt.path], tt.list)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("%s lists %v, want %v", tt.path, got, tt.want)
			}
			// The same bytes as the item in the full list: one item, one rendering.
			full := string(docs[IncidentsPath]) + string(docs[MaintenancesPath])
			var doc map[string]json.RawMessage
			var items []json.RawMessage
			if err := json.Unmarshal(docs[tt.path], &doc); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(doc[tt.list], &items); err != nil {
				t.Fatal(err)
			}
			for _, raw := range items {
				if !strings.Contains(full, string(raw)) {
					t.Errorf("%s item not in the full list:\n%s", tt.path, raw)
				}
			}
		})
	}
}

// TestListSchemasRefuse: the three lists' schemas can fail: an item of another status is
// refused.
func TestListSchemasRefuse(t *testing.T) {
	schemas := compile(t)
	byName := map[string]Input{}
	for _, s := range situations() {
		byName[s.name] = s.in
	}
	tests := []struct {
		path, from, list, status string
	}{
		{UnresolvedPath, "one-world-down", "incidents", "resolved"},
		{UpcomingPath, "maintenance", "scheduled_maintenances", "in_progress"},
		{ActivePath, "maintenance", "scheduled_maintenances", "scheduled"},
		{ActivePath, "maintenance", "scheduled_maintenances", "completed"},
	}
	for _, tt := range tests {
		t.Run(tt.path+"/"+tt.status, func(t *testing.T) {
			body := Documents(byName[tt.from])[tt.path]
			if err := validate(schemas[tt.path], body); err != nil {
				t.Fatalf("the unspoiled document: %v", err)
			}
			var doc map[string]any
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			doc[tt.list].([]any)[0].(map[string]any)["status"] = tt.status
			spoilt, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			err = validate(schemas[tt.path], spoilt)
			if err == nil {
				t.Fatalf("accepted:\n%s", spoilt)
			}
			if !strings.Contains(err.Error(), "at '/"+tt.list+"/0/status'") {
				t.Errorf("refused for another reason: %v", err)
			}
		})
	}
}

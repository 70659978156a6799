package deploy_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"statusedge/internal/harness/harnesstest"
)

// metricName matches a statusedge series name in PromQL or in Go source.
var metricName = regexp.MustCompile(`statusedge_[a-z_]+`)

// exported lists the metrics the programs register, read from their source: the names
// quoted `"statusedge_..."` in internal/replica/series.go (the snapshotter's), origin/metrics.go and the series
// both share (internal/telemetry).
func exported(t *testing.T) []string {
	t.Helper()
	var names []string
	def := regexp.MustCompile(`"(statusedge_[a-z_]+)"`) // a name as a string of its own
	for _, f := range []string{"internal/replica/series.go", "origin/metrics.go", "internal/telemetry/telemetry.go"} {
		for _, m := range def.FindAllStringSubmatch(read(t, f), -1) {
			names = append(names, m[1])
		}
	}
	if len(names) < 8 {
		t.Fatalf("found only %v in the programs' metrics", names)
	}
	return names
}

// known says whether a name in a query is an exported series (histograms add suffixes).
func known(exp []string, name string) bool {
	for _, suffix := range []string{"", "_bucket", "_sum", "_count"} {
		if slices.Contains(exp, strings.TrimSuffix(name, suffix)) && strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// TestAlertRules runs promtool's unit tests of deploy/alerts, and checks every rule
// names only exported metrics.
func TestAlertRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found: install it with `apt-get install prometheus` (or run `make deps` as root)")
	}
	dir := filepath.Join(harnesstest.ModuleRoot(t), "deploy", "alerts")
	for _, args := range [][]string{{"check", "rules", "statusedge.rules.yml"}, {"test", "rules", "statusedge.rules_test.yml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	exp := exported(t)
	for _, name := range metricName.FindAllString(read(t, "deploy/alerts/statusedge.rules.yml"), -1) {
		if !known(exp, name) {
			t.Errorf("alert rules name %s, which no program exports", name)
		}
	}
}

// TestGrafanaDashboard: the dashboard parses and queries only exported metrics.
func TestGrafanaDashboard(t *testing.T) {
	var d struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(read(t, "deploy/grafana/statusedge.json")), &d); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	exp := exported(t)
	used := map[string]bool{}
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			names := metricName.FindAllString(tg.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: query %q names no statusedge metric", p.Title, tg.Expr)
			}
			for _, n := range names {
				used[n] = true
				if !known(exp, n) {
					t.Errorf("panel %q queries %s, which no program exports", p.Title, n)
				}
			}
		}
	}
	for _, want := range []string{"statusedge_snapshotter_leader", "statusedge_snapshotter_local_updated_timestamp_seconds",
		"statusedge_snapshotter_next_refresh_timestamp_seconds", "statusedge_origin_answers_total"} {
		if !used[want] {
			t.Errorf("dashboard does not show %s", want)
		}
	}
}

package worlds

import (
	"os"
	"path/filepath"
	"testing"

	"statusedge/internal/snapshot"
)

// TestDeployment: without a worlds file the one world is legacy under today's layout and
// the shared database's address; with one, each world under its own layout, in the
// file's order, with its own database.
func TestDeployment(t *testing.T) {
	base := baseConfig(t)
	base.Deployment = "blue"
	legacy := Legacy(base, "SELECT 1", "https://example.com/hook")
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	got, err := Deployment(getenv, base, legacy)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("without a worlds file: %d worlds, want 1", len(got))
	}
	one := got[0]
	if want := snapshot.Deployment("blue").Legacy(); one.Layout != want {
		t.Errorf("legacy layout %+v, want %+v", one.Layout, want)
	}
	if one.Table != DefaultTable || one.PlayersQuery != "SELECT 1" || one.WebhookURL != "https://example.com/hook" || !one.Probing || one.Probe.Interval != base.Probe.Interval {
		t.Errorf("legacy world %+v: want the variables' table, query, webhook and probe", one.World)
	}
	if addr := one.DBAddr(base); addr != "db.internal:3307/tzserver" {
		t.Errorf("legacy DBAddr %q, want db.internal:3307/tzserver", addr)
	}

	path := filepath.Join(t.TempDir(), "worlds.yml")
	if err := os.WriteFile(path, []byte(goodFile), 0o600); err != nil {
		t.Fatal(err)
	}
	env[Env] = path
	got, err = Deployment(getenv, base, legacy)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"x1", "x50", "test-server"}
	if len(got) != len(ids) {
		t.Fatalf("with the file: %d worlds, want %d", len(got), len(ids))
	}
	for i, id := range ids {
		if got[i].ID != id || got[i].Layout != snapshot.Deployment("blue").World(id) {
			t.Errorf("world %d: id %q layout %+v, want %q under deployment blue", i, got[i].ID, got[i].Layout, id)
		}
	}
	if addr := got[0].DBAddr(base); addr != "db.internal:3307/tz_x1.constants" {
		t.Errorf("x1 DBAddr %q, want db.internal:3307/tz_x1.constants", addr)
	}

	env[Env] = filepath.Join(t.TempDir(), "missing.yml")
	if _, err := Deployment(getenv, base, legacy); err == nil {
		t.Error("a missing worlds file: no error")
	}
}

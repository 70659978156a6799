package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
)

// TestDatabaseAnswerKeepsTheWindow: a snapshot the origin builds from MySQL (Redis empty,
// or out of reach) says maintenance during a window, as the leader's own would: from the
// maintenance file always, and from the command line's windows while Redis answers.
func TestDatabaseAnswerKeepsTheWindow(t *testing.T) {
	now := time.Now().UTC()
	file := filepath.Join(t.TempDir(), "maintenance.yml")
	body := "windows:\n  - from: " + now.Add(-time.Hour).Format(time.RFC3339) + "\n    until: " + now.Add(time.Hour).Format(time.RFC3339) +
		"\n    message: {en: \"Database upgrade\", ru: \"Обновление базы\"}\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("from the file, Redis down", func(t *testing.T) {
		s := newStack(t)
		s.Env[maintenance.Env] = file
		o := startOrigin(t, s.Env)
		s.Redis.Stop()
		b := get(t, o.url+"/server/status").status(t)
		if b.Cache.Source != "database" || b.Status != snapshot.StatusMaintenance || b.Maintenance == nil || b.Maintenance.Message.EN != "Database upgrade" {
			t.Fatalf("from %s: status %q, window %+v; want maintenance from the file", b.Cache.Source, b.Status, b.Maintenance)
		}
	})
	t.Run("from the command line, Redis empty", func(t *testing.T) {
		s := newStack(t)
		o := startOrigin(t, s.Env)
		rdb := redis.NewClient(&redis.Options{Addr: s.Redis.Addr()})
		defer rdb.Close()
		w := maintenance.Window{From: now.Add(-time.Minute), Until: now.Add(time.Hour), Message: maintenance.Text{EN: "Restart", RU: "Перезапуск"}}
		if err := maintenance.NewStore(rdb, snapshot.Legacy().Maintenance).Add(context.Background(), w, now); err != nil {
			t.Fatal(err)
		}
		b := get(t, o.url+"/server/status").status(t)
		if b.Cache.Source != "database" || b.Status != snapshot.StatusMaintenance || b.Maintenance == nil || b.Maintenance.Message.EN != "Restart" {
			t.Fatalf("from %s: status %q, window %+v; want maintenance from the command line's window", b.Cache.Source, b.Status, b.Maintenance)
		}
	})
}

// TestDatabaseAnswerFollowsTheFile (issue 27, defect 3): the origin reads the maintenance
// file again when it changes: a window removed ends the maintenance of its MySQL answers
// within one probe round (5 s), and a file that turns bad keeps the last good plan, with
// the reason on the debug page.
func TestDatabaseAnswerFollowsTheFile(t *testing.T) {
	now := time.Now().UTC()
	file := filepath.Join(t.TempDir(), "maintenance.yml")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(file+".new", []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(file+".new", file); err != nil {
			t.Fatal(err)
		}
	}
	write("windows:\n  - from: " + now.Add(-time.Hour).Format(time.RFC3339) + "\n    until: " + now.Add(time.Hour).Format(time.RFC3339) +
		"\n    message: {en: \"Database upgrade\", ru: \"Обновление базы\"}\n")
	s := newStack(t)
	s.Env[maintenance.Env] = file
	o := startOrigin(t, s.Env, "-db-reuse=0")
	s.Redis.Stop()
	if b := get(t, o.url+"/server/status").status(t); b.Cache.Source != "database" || b.Status != snapshot.StatusMaintenance {
		t.Fatalf("from %s: status %q; want maintenance from the file", b.Cache.Source, b.Status)
	}

	write("windows: []\n")
	edited := time.Now()
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(20*time.Millisecond, "/server/status"), func(context.Context) error {
		if b := get(t, o.url+"/server/status").status(t); b.Cache.Source != "database" || b.Status == snapshot.StatusMaintenance {
			return fmt.Errorf("from %s: status %q", b.Cache.Source, b.Status)
		}
		return nil
	})
	t.Logf("a window removed from the file: the origin's MySQL answer left maintenance %s after the edit", time.Since(edited).Round(time.Millisecond))

	write("windows: [oops]\n")
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(20*time.Millisecond, "/server/status/debug"), func(context.Context) error {
		var d debugInfo
		if err := json.Unmarshal(get(t, o.url+"/server/status/debug").body, &d); err != nil {
			return err
		}
		if !strings.Contains(d.MaintenanceFileError, "STATUS_MAINTENANCE_FILE "+file+": ") {
			return fmt.Errorf("maintenance_file_error %q", d.MaintenanceFileError)
		}
		return nil
	})
	if b := get(t, o.url+"/server/status").status(t); b.Status == snapshot.StatusMaintenance {
		t.Errorf("under a bad file: status %q; want the last good plan's (no window)", b.Status)
	}
	if m := get(t, o.url+"/metrics"); !strings.Contains(string(m.body), "statusedge_maintenance_file_refused 1") {
		t.Error("/metrics lacks statusedge_maintenance_file_refused 1")
	}
}

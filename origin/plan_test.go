package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

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

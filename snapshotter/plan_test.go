package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	hstack "statusedge/internal/harness/stack"
	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
)

// writeFile replaces path with body as an editor does: a new file renamed over it.
func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path+".new", []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

// servedStatus is the status in m's STATUS_DIR, as nginx serves it.
func servedStatus(m *hstack.Member) (snapshot.Snapshot, error) {
	b, err := os.ReadFile(filepath.Join(m.StatusDir, snapshot.FileName))
	if err != nil {
		return snapshot.Snapshot{}, err
	}
	return snapshot.Parse(b)
}

// TestMaintenanceFileEditTakesEffect (issue 27, defect 3): a real snapshotter and its
// edge on real MariaDB and Redis. A window removed from the maintenance file ends the
// published maintenance within one probe round (5 s; the refresh interval of 30 s is not
// what ends it), a window added starts it as soon, and a file that turns bad keeps the
// last good plan with the reason in /debug, the metric and the log, once.
func TestMaintenanceFileEditTakesEffect(t *testing.T) {
	db := demoDB(t)
	r, _ := watchedRedis(t)
	now := time.Now().UTC()
	active := "windows:\n  - from: " + now.Add(-time.Hour).Format(time.RFC3339) + "\n    until: " + now.Add(2*time.Hour).Format(time.RFC3339) +
		"\n    message: {en: \"Database upgrade\", ru: \"Обновление базы\"}\n"
	file := filepath.Join(t.TempDir(), "maintenance.yml")
	writeFile(t, file, active)
	env := fleetEnv(db, map[string]string{"REDIS_URL": r.URL()})
	env["STATUS_UPDATE_INTERVAL"], env[maintenance.Env] = "30", file
	f := startFleet(t, fleetBin(t), env, 1, 1)
	m := leaderOf(t, f, 20*time.Second)

	// until waits for the served status to say maintenance (or not), and returns how long
	// that took.
	until := func(want bool, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		harnesstest.Eventually(t, within, harnesstest.Every(20*time.Millisecond, "status.json"), func(context.Context) error {
			snap, err := servedStatus(m)
			if err != nil {
				return err
			}
			if got := snap.Maintenance != nil; got != want {
				return fmt.Errorf("maintenance %v (status %q), want %v", got, snap.Status, want)
			}
			return nil
		})
		return time.Since(start)
	}
	until(true, 20*time.Second)

	writeFile(t, file, "windows: []\n")
	took := until(false, 5*time.Second)
	t.Logf("a window removed from the file: the served status left maintenance %s after the edit", took.Round(time.Millisecond))

	writeFile(t, file, active)
	took = until(true, 5*time.Second)
	t.Logf("a window added to the file: the served status said maintenance %s after the edit", took.Round(time.Millisecond))

	// A bad file: the reason in /debug and the metric, the window of the last good plan
	// still on the status, and the log says it once however many passes see it.
	writeFile(t, file, "windows:\n  - {from: tomorrow}\n")
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(20*time.Millisecond, "/debug"), func(context.Context) error {
		d, err := memberDebug(m)
		if err != nil {
			return err
		}
		if !strings.Contains(d.MaintenanceFileError, "STATUS_MAINTENANCE_FILE "+file+": window #1: ") {
			return fmt.Errorf("maintenance_file_error %q", d.MaintenanceFileError)
		}
		return nil
	})
	refusedAt := time.Now()
	metrics, err := get("http://" + m.Addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(metrics, "statusedge_maintenance_file_refused 1") {
		t.Error("/metrics lacks statusedge_maintenance_file_refused 1")
	}
	// Watched through three passes of the file and of the leader's tick after the refusal.
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(100*time.Millisecond, "the log"), func(context.Context) error {
		if n := strings.Count(m.Logs(), "maintenance file refused"); n != 1 {
			t.Fatalf("the refusal logged %d times, want once", n)
		}
		d, err := memberDebug(m)
		if err != nil {
			return err
		}
		if d.Maintenance == nil {
			t.Fatal("/debug: no window active under a bad file; want the last good plan's")
		}
		snap, err := servedStatus(m)
		if err != nil {
			return err
		}
		if snap.Maintenance == nil {
			t.Fatalf("the served status left maintenance under a bad file: %q", snap.Status)
		}
		if time.Since(refusedAt) < 3*time.Second {
			return errors.New("fewer than 3 s since the refusal")
		}
		return nil
	})
}

// TestCommandLineWindowTakesEffect: a window started from the command line reaches the
// leader's published status within two of its ticks, and one ended there leaves it as
// soon: the leader reads the command line's windows itself, and does not wait for the
// documents' pass (historyEvery, 10 s).
func TestCommandLineWindowTakesEffect(t *testing.T) {
	db := demoDB(t)
	r, _ := watchedRedis(t)
	env := fleetEnv(db, map[string]string{"REDIS_URL": r.URL()})
	env["STATUS_UPDATE_INTERVAL"] = "30"
	f := startFleet(t, fleetBin(t), env, 1, 1)
	m := leaderOf(t, f, 20*time.Second)
	harnesstest.Eventually(t, 20*time.Second, harnesstest.Every(50*time.Millisecond, "status.json"), func(context.Context) error {
		_, err := servedStatus(m)
		return err
	})

	cmdEnv := harnesstest.Env(map[string]string{"REDIS_URL": r.URL(), "STATUS_DIR": t.TempDir(), "STATUS_NGINX_CONF": "none"})
	cmd := func(args ...string) time.Time {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(context.Background(), append([]string{"snapshotter", "maintenance"}, args...), cmdEnv, &out, &errOut, nil); err != nil {
			t.Fatalf("%v: %v\n%s%s", args, err, out.String(), errOut.String())
		}
		return time.Now()
	}
	until := func(want string, ran time.Time) time.Duration {
		t.Helper()
		harnesstest.Eventually(t, 3*time.Second, harnesstest.Every(20*time.Millisecond, "status.json"), func(context.Context) error {
			snap, err := servedStatus(m)
			if err != nil {
				return err
			}
			if snap.Status != want {
				return fmt.Errorf("status %q, want %q", snap.Status, want)
			}
			return nil
		})
		return time.Since(ran)
	}
	took := until(snapshot.StatusMaintenance, cmd("start", "-for", "30m", "-message-en", "Restart", "-message-ru", "Перезапуск"))
	t.Logf("maintenance start: the served status said maintenance %s after the command", took.Round(time.Millisecond))
	took = until(snapshot.StatusOnline, cmd("end"))
	t.Logf("maintenance end: the served status left maintenance %s after the command", took.Round(time.Millisecond))
}

package maintenance_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"statusedge/internal/maintenance"
)

// oneOff is a maintenance file holding one one-off window, from..until (RFC 3339).
func oneOff(from, until string) string {
	return "windows:\n  - {from: \"" + from + "\", until: \"" + until + "\", message: {en: Upgrade, ru: Обновление}}\n"
}

// replace writes body to path as an editor does: a new file renamed over the old one.
func replace(t *testing.T, path, body string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestFileWatchRereads: an edit is in force at the next Check, whether written in place
// or renamed over the file, and however soon after the last one; a file that turns bad or
// goes missing keeps the last good plan, says why once, and a good file again clears it.
func TestFileWatchRereads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maintenance.yml")
	window := oneOff("2026-12-02T10:00:00Z", "2026-12-02T12:00:00Z")
	if err := os.WriteFile(path, []byte(window), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := maintenance.WatchFile(path, []string{""}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	at := utc("2026-12-02T11:00:00Z")
	active := func() bool { return f.Schedule("").Active(at) != nil }
	check := func(wantChanged, wantErr bool, what string) {
		t.Helper()
		changed, err := f.Check()
		if changed != wantChanged || (err != nil) != wantErr || (f.Err() != nil) != wantErr {
			t.Fatalf("%s: changed %v, err %v (Err %v); want changed %v, an error %v", what, changed, err, f.Err(), wantChanged, wantErr)
		}
	}
	if !active() {
		t.Fatal("the window of the file read at start is not active")
	}
	check(false, false, "unchanged")

	// Rewritten in place at once, the same size: the inode and (often) the time alike.
	if err := os.WriteFile(path, []byte(strings.Replace(window, "12:00", "11:00", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	check(true, false, "shortened in place")
	if active() {
		t.Fatal("a window shortened to end before now is still active")
	}

	replace(t, path, window)
	check(true, false, "renamed over")
	if !active() {
		t.Fatal("the window put back is not active")
	}

	replace(t, path, "windows:\n  - {from: tomorrow}\n")
	check(true, true, "turned bad")
	if !active() || !strings.Contains(f.Err().Error(), "STATUS_MAINTENANCE_FILE "+path+": window #1") {
		t.Fatalf("a bad file: active %v, Err %v; want the last good plan and the reason", active(), f.Err())
	}
	check(false, true, "still bad: said once")

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	check(true, true, "removed")
	if !active() || !strings.Contains(f.Err().Error(), "no such file") {
		t.Fatalf("a removed file: active %v, Err %v; want the last good plan and the reason", active(), f.Err())
	}
	check(false, true, "still missing: said once")

	replace(t, path, "windows: []\n")
	check(true, false, "good again")
	if active() || f.Err() != nil {
		t.Fatalf("an empty file: active %v, Err %v", active(), f.Err())
	}
}

// TestFileWatchRun: Run checks once a Reread and reports each change once.
func TestFileWatchRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maintenance.yml")
	if err := os.WriteFile(path, []byte("windows: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		f, err := maintenance.WatchFile(path, []string{""}, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var log bytes.Buffer
		g := &gauge{}
		done := make(chan struct{})
		go func() { f.Run(ctx, slog.New(slog.NewTextHandler(&log, nil)), g); close(done) }()
		replace(t, path, "windows: {}\n")
		// synctest's fake clock: each sleep is that many passes of the watch, in no real time.
		time.Sleep(maintenance.Reread)
		synctest.Wait()
		if n := strings.Count(log.String(), "maintenance file refused"); n != 1 || g.v != 1 {
			t.Fatalf("after a bad edit and one pass: %d lines, gauge %v; want 1, 1\n%s", n, g.v, log.String())
		}
		time.Sleep(5 * maintenance.Reread)
		synctest.Wait()
		if n := strings.Count(log.String(), "maintenance file refused"); n != 1 {
			t.Fatalf("five passes later: %d lines, want the one", n)
		}
		replace(t, path, "windows: []\n")
		time.Sleep(maintenance.Reread)
		synctest.Wait()
		if !strings.Contains(log.String(), "maintenance file read again") || g.v != 0 {
			t.Fatalf("a good file again: gauge %v, log\n%s", g.v, log.String())
		}
		cancel()
		<-done
	})
}

type gauge struct{ v float64 }

func (g *gauge) Set(v float64) { g.v = v }

// TestWatchFileNoPath: no file, no windows, nothing to check.
func TestWatchFileNoPath(t *testing.T) {
	f, err := maintenance.WatchFile("", []string{"x1"}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := f.Check(); changed || err != nil || f.Schedule("x1").Active(time.Now()) != nil {
		t.Fatalf("Check = %v, %v", changed, err)
	}
}

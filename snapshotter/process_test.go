package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
)

// TestBinaryLoopAndSIGTERM runs the real program: a 1-s interval lands successive
// snapshots, and SIGTERM ends it with exit status 0.
func TestBinaryLoopAndSIGTERM(t *testing.T) {
	s := newStack(t)
	bin := filepath.Join(t.TempDir(), "snapshotter")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s.Env["STATUS_UPDATE_INTERVAL"], s.Env["STATUS_CACHE_TTL"] = "1", "30"
	s.Env["SNAPSHOTTER_ADDR"] = "127.0.0.1:0"
	cmd := exec.Command(bin)
	for k, v := range s.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()

	seen := map[string]bool{}
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(50*time.Millisecond, "status.json"), func(context.Context) error {
		if b, err := os.ReadFile(filepath.Join(s.Dir, snapshot.FileName)); err == nil {
			snap, err := snapshot.Parse(b)
			if err != nil {
				t.Fatalf("torn or invalid status.json: %v", err)
			}
			seen[snap.UpdatedAt.String()] = true
		}
		if len(seen) < 3 {
			return fmt.Errorf("%d distinct snapshots with a 1-s interval, want 3", len(seen))
		}
		return nil
	})

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want status 0", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still running 5s after SIGTERM")
	}
}

// TestLibraryLogsAreJSON: with Redis down, what go-redis and the MySQL driver say goes
// through the JSON log (at debug level), never as plain lines between the JSON ones.
func TestLibraryLogsAreJSON(t *testing.T) {
	s := newStack(t)
	bin := filepath.Join(t.TempDir(), "snapshotter")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s.Redis.Stop()
	cmd := exec.Command(bin, "-once")
	for k, v := range s.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("-once with Redis down: %v, want exit 1\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	// The last line is main's one-line reason, plain by design; the rest is the log.
	for _, l := range lines[:len(lines)-1] {
		if !json.Valid([]byte(l)) {
			t.Errorf("a log line that is not JSON: %q", l)
		}
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "snapshotter: ") {
		t.Errorf("last line %q, want main's reason", last)
	}
}

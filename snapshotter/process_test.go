package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

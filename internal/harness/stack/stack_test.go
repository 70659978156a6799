package stack_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"statusedge/internal/harness/stack"
)

// TestStartFailureReturnsAnError: a part that does not start (here, no origin binary)
// is an error from Start, after it stopped the MariaDB and Redis it had started.
func TestStartFailureReturnsAnError(t *testing.T) {
	dir := t.TempDir()
	s, err := stack.Start(context.Background(), stack.Config{Dir: dir, Bin: t.TempDir(), Interval: 600, TTL: 900})
	if err == nil {
		s.Stop()
		t.Fatal("Start with no programs to run succeeded")
	}
	if s != nil || !strings.Contains(err.Error(), "origin") {
		t.Errorf("Start = %v, %v; want nil and the origin's failure", s, err)
	}
	// Stop waits for each server to exit, so none is left when Start returns. MariaDB
	// names its folder on its command line; Redis rewrites its command line, but runs
	// in its folder (--dir).
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	started := 0
	for _, e := range []string{"mariadb", "redis"} {
		if _, err := os.Stat(filepath.Join(dir, e)); err == nil {
			started++
		}
	}
	if started != 2 {
		t.Fatalf("Start failed before it started MariaDB and Redis (%d of 2 folders): the test proves nothing", started)
	}
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue // not a process, or one that has just exited
		}
		ours := strings.Contains(string(cmdline), dir)
		// A cwd that cannot be read (the process has just exited, or is another user's)
		// leaves the decision to the command line.
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && strings.HasPrefix(cwd, dir) {
			ours = true
		}
		if ours {
			t.Errorf("process %s (%s) outlived the failed Start", e.Name(), strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
}

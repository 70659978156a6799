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
	// Stop waits for each server to exit, so their logs already end in their own
	// shutdown lines when Start returns.
	for log, bye := range map[string]string{
		filepath.Join(dir, "mariadb", "mariadbd.log"): "Shutdown complete",
		filepath.Join(dir, "redis", "redis.log"):      "ready to exit",
	} {
		b, err := os.ReadFile(log)
		if err != nil {
			t.Fatalf("the server's log: %v", err)
		}
		if !strings.Contains(string(b), bye) {
			t.Errorf("%s has no %q: the server was left running\n%s", log, bye, b)
		}
	}
}

package harnesstest

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// RunRepair runs the first `redis-cli ...` command quoted (in backticks) in msg, as an
// operator would paste it into a shell, with each replace pair applied first (a
// placeholder such as the fence's N). It returns redis-cli's output: a test then looks
// at the keys it was meant to change, and at those it must not. A message without such
// a command, or a command that fails, fails the test.
func RunRepair(t testing.TB, msg string, replace ...string) string {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Fatal("redis-cli not found: install it with `apt-get install redis-tools` (or run `make deps` as root)")
	}
	var cmd string
	for i, part := range strings.Split(msg, "`") {
		if i%2 == 1 && strings.Contains(part, "redis-cli") {
			cmd = part
			break
		}
	}
	if cmd == "" {
		t.Fatalf("no `redis-cli ...` command in %q", msg)
	}
	if !strings.Contains(cmd, " -h ") {
		// Run as is it would reach 127.0.0.1:6379, which may be another stack's Redis.
		t.Fatalf("repair %q names no server: not run", cmd)
	}
	cmd = strings.NewReplacer(replace...).Replace(cmd)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sh", "-c", cmd).CombinedOutput()
	// redis-cli exits 0 on a refused connection in some versions, saying so on its output.
	if err != nil || strings.Contains(string(out), "Could not connect") || strings.HasPrefix(string(out), "(error)") || strings.HasPrefix(string(out), "ERR") {
		t.Fatalf("repair %q: %v\n%s", cmd, err, out)
	}
	return string(out)
}

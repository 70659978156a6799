package harness_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
)

// greeting dials addr and reads the fake game server's first line.
func greeting(ctx context.Context, addr string) (string, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

// TestGameServerReopensWhenPortFrees: a reopen whose port another process took meanwhile
// does not fail for good (it ended `make run` before): Toggle says so and keeps trying,
// and once the port is free the game server answers on it again; a Toggle then closes it.
func TestGameServerReopensWhenPortFrees(t *testing.T) {
	g := harnesstest.GameServer(t, true)
	if open, err := g.Toggle(); err != nil || open {
		t.Fatalf("close: open=%v, %v", open, err)
	}
	squatter, err := net.Listen("tcp", g.Addr)
	if err != nil {
		t.Fatalf("take the port: %v", err)
	}
	open, err := g.Toggle()
	if err == nil || !errors.Is(err, syscall.EADDRINUSE) || !open {
		t.Fatalf("reopen on a taken port: open=%v, %v; want open (trying) and EADDRINUSE", open, err)
	}
	if err := squatter.Close(); err != nil {
		t.Fatal(err)
	}
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(100*time.Millisecond, "the game server on its port again"), func(ctx context.Context) error {
		line, err := greeting(ctx, g.Addr)
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "statusedge fake game server") {
			t.Fatalf("another server answers: %q", line)
		}
		return nil
	})
	if open, err := g.Toggle(); err != nil || open {
		t.Fatalf("close again: open=%v, %v", open, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := greeting(ctx, g.Addr); err == nil {
		t.Fatal("closed, yet it answers")
	}
}

package httpserver

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
)

// TestServeDrainsInFlight: a request in flight when ctx ends completes, then Serve returns nil.
func TestServeDrainsInFlight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free) // a test that stops early must not leave the handler waiting
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, h) }()

	body := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String())
		if err != nil {
			body <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			body <- "error reading the body: " + err.Error()
			return
		}
		body <- string(b)
	}()
	<-started
	cancel()
	// The handler answers only once the shutdown has begun, which the closed listener
	// shows: so the request is one the drain must wait for.
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(10*time.Millisecond, "the listener"), func(context.Context) error {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err != nil {
			return nil
		}
		c.Close()
		return errors.New("still accepting after ctx ended")
	})
	free()
	if got := <-body; got != "done" {
		t.Errorf("request in flight got %q, want it completed", got)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve = %v after a clean drain", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("still listening after Serve returned")
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
)

// TestSIGTERMDrainsSlowRequest: a request in flight when SIGTERM arrives completes, then
// the process exits 0.
func TestSIGTERMDrainsSlowRequest(t *testing.T) {
	s := newStack(t)
	snap := s.build(t, time.Now().Add(-time.Minute))
	if err := snapshot.WriteFile(s.Dir, snap.Encode()); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "origin")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-db-timeout=2s")
	for k, v := range s.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "ORIGIN_ADDR=127.0.0.1:0")
	logs := &harnesstest.LogBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()
	// The origin binds 127.0.0.1:0 and says where it landed in its "started" line.
	var addr string
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(10*time.Millisecond, "the origin's log"), func(context.Context) error {
		select {
		case err := <-exited:
			t.Fatalf("origin exited before listening: %v\n%s", err, logs)
		default:
		}
		for _, rec := range logs.Records() {
			if a, ok := rec["addr"].(string); ok && rec["msg"] == "started" && a != "" {
				addr = a
				return nil
			}
		}
		return errors.New(`no "started" line with an addr`)
	})
	url := "http://" + addr

	// Redis is empty and MySQL hangs: the request waits out the 2-s MySQL deadline.
	if err := s.DB.Pause(); err != nil {
		t.Fatal(err)
	}
	defer s.DB.Resume()
	type result struct {
		r   reply
		err error
	}
	answered := make(chan result, 1)
	go func() {
		// send, not get: no t.Fatal off the test's goroutine.
		r, err := send(http.MethodGet, url+"/server/status", nil)
		answered <- result{r, err}
	}()
	// SIGTERM once the request is past Redis and waiting on MySQL, as the origin's own
	// counter of Redis misses shows.
	waitCounter(t, url, "statusedge_origin_redis_reads_total", map[string]string{"result": "miss"}, 1)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-answered:
		if a.err != nil {
			t.Fatalf("slow request during shutdown: %v", a.err)
		}
		if a.r.code != 200 || a.r.status(t).Cache.Source != "last_known" {
			t.Errorf("slow request during shutdown: %d %s", a.r.code, a.r.body)
		}
		if a.r.took < 1500*time.Millisecond {
			t.Errorf("request took %v: it was not the slow path under test", a.r.took)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("request in flight never completed")
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, logs)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("origin still running 5s after SIGTERM")
	}
}

// waitCounter waits until the origin's counter family{labels} reaches want.
func waitCounter(t *testing.T, url, family string, labels map[string]string, want float64) {
	t.Helper()
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(10*time.Millisecond, "the origin's /metrics"), func(ctx context.Context) error {
		n, err := harness.Metric(ctx, url+"/metrics", family, labels)
		if err != nil {
			return err
		}
		if n < want {
			return fmt.Errorf("%s%v = %v, want %v", family, labels, n, want)
		}
		return nil
	})
}

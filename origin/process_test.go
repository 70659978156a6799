package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"statusedge/internal/harness"
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
	logs := newStartLog()
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()
	var addr string
	select {
	case addr = <-logs.addr:
	case err := <-exited:
		t.Fatalf("origin exited before listening: %v\n%s", err, logs)
	case <-time.After(10 * time.Second):
		t.Fatalf("no \"started\" log line after 10s:\n%s", logs)
	}
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
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := harness.Metric(context.Background(), url+"/metrics", family, labels)
		if err == nil && n >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v never reached %v: %v, %v", family, labels, want, n, err)
		}
		time.Sleep(10 * time.Millisecond) // polling the counter, not synchronising
	}
}

// startLog collects a program's output and reports the address of its "started" line:
// the program binds 127.0.0.1:0 and says where it landed.
type startLog struct {
	mu      sync.Mutex
	all     bytes.Buffer
	partial []byte
	addr    chan string
}

func newStartLog() *startLog { return &startLog{addr: make(chan string, 1)} }

func (l *startLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		var line struct{ Msg, Addr string }
		if json.Unmarshal(l.partial[:i], &line) == nil && line.Msg == "started" && line.Addr != "" {
			select {
			case l.addr <- line.Addr:
			default:
			}
		}
		l.partial = l.partial[i+1:]
	}
}

func (l *startLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

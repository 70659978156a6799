package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strconv"
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
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "-db-timeout=2s")
	for k, v := range s.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "ORIGIN_ADDR="+addr)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()
	if err := harness.WaitListening(nil, addr, 10*time.Second); err != nil {
		t.Fatal(err)
	}

	// Redis is empty and MySQL hangs: the request waits out the 2-s MySQL deadline.
	if err := s.DB.Pause(); err != nil {
		t.Fatal(err)
	}
	defer s.DB.Resume()
	answered := make(chan reply, 1)
	go func() { answered <- get(t, "http://"+addr+"/server/status") }()
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-answered:
		if r.code != 200 || r.status(t).Cache.Source != "last_known" {
			t.Errorf("slow request during shutdown: %d %s", r.code, r.body)
		}
		if r.took < 1500*time.Millisecond {
			t.Errorf("request took %v: it was not the slow path under test", r.took)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("request in flight never completed")
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("origin still running 5s after SIGTERM")
	}
}

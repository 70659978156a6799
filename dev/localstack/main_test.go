package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
)

// TestMakeRun starts `make run` as a user would, waits for the public URL, sends SIGTERM
// to make alone, and checks that every process it started is gone.
func TestMakeRun(t *testing.T) {
	root := harnesstest.ModuleRoot(t)
	addr := func() string { return harnesstest.FreeAddr(t) }
	public := addr()
	cmd := exec.Command("make", "--no-print-directory", "run")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "PUBLIC_ADDR="+public, "ORIGIN_ADDR="+addr(), "SNAPSHOTTER_ADDR="+addr(), "BIN="+t.TempDir())
	logPath := filepath.Join(t.TempDir(), "make-run.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	out := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)

	// Building the programs from a cold cache can take minutes on a small shared machine;
	// the stack itself gets 60 s from when the launcher says it starts it.
	start := time.Now()
	for !strings.Contains(out(), "starting MariaDB") {
		if time.Since(start) > 5*time.Minute {
			t.Fatalf("make run did not build and start the stack within 5 minutes:\n%s", out())
		}
		time.Sleep(250 * time.Millisecond) // polling make run's output, not synchronising
	}
	start = time.Now()
	url := "http://" + public + "/api/server/status"
	var body []byte
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == 200 && resp.Header.Get("X-Status-Source") == "file" {
				break
			}
		}
		if time.Since(start) > 60*time.Second {
			t.Fatalf("%s did not answer from the file within 60s:\n%s", url, out())
		}
		time.Sleep(250 * time.Millisecond) // polling the public URL, not synchronising
	}
	t.Logf("make run: %s answered from status.json after %v", url, time.Since(start).Round(100*time.Millisecond))
	// The demo shows a player count: the snapshotter counted the seed's online characters
	// with the read that wrote this file.
	var snap struct {
		Players *int `json:"players"`
	}
	if err := json.Unmarshal(body, &snap); err != nil || snap.Players == nil || *snap.Players != harness.DemoPlayers {
		t.Errorf("public JSON players = %v (err %v), want %d from the demo seed:\n%s\n%s", snap.Players, err, harness.DemoPlayers, body, out())
	}
	// nginx starts last and answers a moment before the URLs are printed.
	// Polls make run's output.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(out(), "Ctrl-C stops everything"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("make run did not print the URLs:\n%s", out())
			break
		}
	}
	// Every URL it prints answers 200, and they include the badge and both programs' metrics.
	urls := printedURLs(out())
	for _, want := range []string{"/api/server/badge.json", "/api/server/status/debug", "/healthz", "/server/status"} {
		if !slices.ContainsFunc(urls, func(u string) bool { return strings.HasSuffix(u, want) }) {
			t.Errorf("make run printed no %s URL:\n%s", want, out())
		}
	}
	if n := len(slices.DeleteFunc(slices.Clone(urls), func(u string) bool { return !strings.HasSuffix(u, "/metrics") })); n != 2 {
		t.Errorf("make run printed %d /metrics URLs, want the origin's and the snapshotter's:\n%s", n, out())
	}
	for _, u := range urls {
		resp, err := http.Get(u)
		if err != nil {
			t.Errorf("GET %s: %v", u, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %s", u, resp.Status)
		}
	}

	started := descendants(t, cmd.Process.Pid)
	if len(started) < 5 {
		t.Errorf("found %d processes under make, want launcher, MariaDB, Redis, snapshotter, origin and nginx", len(started))
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("make run still running 30s after SIGTERM")
	}
	deadline := time.Now().Add(20 * time.Second)
	for pid, cmdline := range started {
		for alive(pid, cmdline) {
			if time.Now().After(deadline) {
				t.Errorf("process %d (%s) outlived make run", pid, cmdline)
				break
			}
			time.Sleep(100 * time.Millisecond) // polling /proc, not synchronising
		}
	}
}

// printedURLs are the http URLs in make run's output, one per line.
func printedURLs(out string) []string {
	var urls []string
	for line := range strings.Lines(out) {
		for _, f := range strings.Fields(line) {
			if strings.HasPrefix(f, "http://") {
				urls = append(urls, f)
			}
		}
	}
	return urls
}

// descendants maps every process below pid to its command line.
func descendants(t *testing.T, pid int) map[int]string {
	t.Helper()
	children := map[int][]int{}
	cmdlines := map[int]string{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The fields after the command name, which may hold spaces, start after ") ".
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
		ppid, err := strconv.Atoi(fields[1])
		if err != nil {
			t.Fatalf("/proc/%d/stat: parent %q: %v", p, fields[1], err)
		}
		children[ppid] = append(children[ppid], p)
		cmdlines[p] = cmdline(p)
	}
	out := map[int]string{}
	var walk func(int)
	walk = func(p int) {
		for _, c := range children[p] {
			out[c] = cmdlines[c]
			walk(c)
		}
	}
	walk(pid)
	return out
}

func cmdline(pid int) string {
	b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// alive reports whether pid still runs the same command (pids are reused).
func alive(pid int, was string) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil || strings.Contains(string(stat), ") Z ") {
		return false
	}
	return cmdline(pid) == was
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
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
	harnesstest.Eventually(t, 5*time.Minute, harnesstest.Every(250*time.Millisecond, "make run's output"), func(context.Context) error {
		if o := out(); !strings.Contains(o, "starting MariaDB") {
			return fmt.Errorf("the stack is not starting yet (building the programs?):\n%s", o)
		}
		return nil
	})
	start := time.Now()
	url := "http://" + public + "/api/server/status"
	var body []byte
	harnesstest.Eventually(t, 60*time.Second, harnesstest.Every(250*time.Millisecond, url), func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("%w; make run says:\n%s", err, out())
		}
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 || resp.Header.Get("X-Status-Source") != "file" {
			return fmt.Errorf("%s from %q, want 200 from the file; make run says:\n%s", resp.Status, resp.Header.Get("X-Status-Source"), out())
		}
		return nil
	})
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
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(50*time.Millisecond, "make run's output"), func(context.Context) error {
		if o := out(); !strings.Contains(o, "Ctrl-C stops everything") {
			return fmt.Errorf("no URLs printed:\n%s", o)
		}
		return nil
	})

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

	// Each of the six programs runs, and nothing else: one process each, but nginx, which
	// runs a master, its worker and, for the proxy cache, a cache manager and (in its first
	// minute) a cache loader. localstack is make's child (the recipe execs it).
	started := descendants(t, cmd.Process.Pid)
	programs := map[string][]int{}
	for pid := range started {
		if name := comm(t, pid); name != "" { // "": ended since (nginx's cache loader does)
			programs[name] = append(programs[name], pid)
		}
	}
	t.Logf("processes under make by program: %v", programs)
	want := []string{"localstack", "mariadbd", "nginx", "origin", "redis-server", "snapshotter"}
	if got := slices.Sorted(maps.Keys(programs)); !slices.Equal(got, want) {
		t.Errorf("programs under make: %v, want %v; processes: %v", got, want, started)
	}
	for name, pids := range programs {
		if n := len(pids); (name == "nginx" && (n < 2 || n > 4)) || (name != "nginx" && n != 1) {
			t.Errorf("%d %s processes under make: %v", n, name, started)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("make run still running 30s after SIGTERM")
	}
	harnesstest.Eventually(t, 20*time.Second, harnesstest.Every(100*time.Millisecond, "/proc"), func(context.Context) error {
		var left []string
		for pid, cmdline := range started {
			if alive(pid, cmdline) {
				left = append(left, fmt.Sprintf("%d (%s)", pid, cmdline))
			}
		}
		if len(left) > 0 {
			return fmt.Errorf("processes outlived make run: %v", left)
		}
		return nil
	})
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

// comm is the program's name, as the kernel has it; "" when the process has ended.
func comm(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "comm"))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
		return ""
	}
	if err != nil {
		t.Fatalf("/proc/%d/comm: %v", pid, err)
	}
	return strings.TrimSpace(string(b))
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

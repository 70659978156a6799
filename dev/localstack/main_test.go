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
	m := startMake(t, "run")
	cmd, out, public := m.cmd, m.out, m.public
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
	// The demo shows a player count: the snapshotter counts the seed's online characters
	// at its own pace (issue 30), its first count published within its read of the start.
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(100*time.Millisecond, "the player count"), func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var snap struct {
			Players *int `json:"players"`
		}
		if err := json.Unmarshal(body, &snap); err != nil || snap.Players == nil || *snap.Players != harness.DemoPlayers {
			return fmt.Errorf("public JSON players = %v (err %v), want %d from the demo seed:\n%s\n%s", snap.Players, err, harness.DemoPlayers, body, out())
		}
		return nil
	})
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
		answers200(t, u)
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
	m.stop(t, started)
}

// makeRun is `make <target>` started as a user would, with free loopback addresses.
type makeRun struct {
	cmd    *exec.Cmd
	out    func() string // what it printed so far
	exited chan error
	public string // PUBLIC_ADDR
}

// startMake starts `make target` in its own process group (killed at the test's end)
// and waits until the launcher says it starts the stack.
func startMake(t *testing.T, target string, env ...string) *makeRun {
	t.Helper()
	addr := func() string { return harnesstest.FreeAddr(t) }
	m := &makeRun{public: addr(), exited: make(chan error, 1)}
	m.cmd = exec.Command("make", "--no-print-directory", target)
	m.cmd.Dir = harnesstest.ModuleRoot(t)
	m.cmd.Env = append(append(os.Environ(), "PUBLIC_ADDR="+m.public, "ORIGIN_ADDR="+addr(), "SNAPSHOTTER_ADDR="+addr(), "BIN="+t.TempDir()), env...)
	logPath := filepath.Join(t.TempDir(), "make-"+target+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	m.cmd.Stdout, m.cmd.Stderr = logFile, logFile
	m.out = func() string { b, _ := os.ReadFile(logPath); return string(b) }
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { m.exited <- m.cmd.Wait() }()
	// A failed test still stops the stack the way an operator does (SIGTERM to make: the
	// launcher stops its servers), and kills what is left of the group after 30 s: a
	// SIGKILL alone left the launcher's MariaDB and nginx running.
	t.Cleanup(func() {
		if m.cmd.Process.Signal(syscall.SIGTERM) == nil {
			select {
			case <-m.exited:
			case <-time.After(30 * time.Second):
			}
		}
		syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
	})

	// Building the programs from a cold cache can take minutes on a small shared machine;
	// the stack itself gets 60 s from when the launcher says it starts it.
	harnesstest.Eventually(t, 5*time.Minute, harnesstest.Every(250*time.Millisecond, "make "+target+"'s output"), func(context.Context) error {
		if o := m.out(); !strings.Contains(o, "starting MariaDB") {
			return fmt.Errorf("the stack is not starting yet (building the programs?):\n%s", o)
		}
		return nil
	})
	return m
}

// stop sends SIGTERM to make alone and checks that every process in started is gone.
func (m *makeRun) stop(t *testing.T, started map[int]string) {
	t.Helper()
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-m.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("make still running 30s after SIGTERM")
	}
	harnesstest.Eventually(t, 20*time.Second, harnesstest.Every(100*time.Millisecond, "/proc"), func(context.Context) error {
		var left []string
		for pid, cmdline := range started {
			if alive(pid, cmdline) {
				left = append(left, fmt.Sprintf("%d (%s)", pid, cmdline))
			}
		}
		if len(left) > 0 {
			return fmt.Errorf("processes outlived make: %v", left)
		}
		return nil
	})
}

// TestMakeRunWorlds starts `make run-worlds`: the index and each world's status are
// served from disk with that world's own rates and players, every printed URL answers,
// the printed command closes one world's game server and only that world goes offline,
// and SIGTERM leaves no process behind.
func TestMakeRunWorlds(t *testing.T) {
	m := startMake(t, "run-worlds", "STATUS_PROBE_INTERVAL=1", "STATUS_PROBE_TIMEOUT=1")
	start := time.Now()
	type world struct {
		ID   string `json:"id"`
		Name struct {
			EN string `json:"en"`
			RU string `json:"ru"`
		} `json:"name"`
		Online    *bool  `json:"online"`
		Players   *int   `json:"players"`
		StatusURL string `json:"status_url"`
	}
	want := map[string]struct {
		exp     float64
		players int
		en, ru  string
	}{
		"classic-x1": {1, 3, "Classic x1", "Классика x1"},
		"fast-x50":   {50, 5, "Fast x50", "Быстрый x50"},
		"pvp-season": {5, 1, "PvP season", "PvP-сезон"},
	}
	c := &http.Client{Timeout: 5 * time.Second}
	getFile := func(path string, v any) error {
		resp, body, _, err := harnesstest.Send(c, http.MethodGet, "http://"+m.public+path, nil)
		if err != nil {
			return fmt.Errorf("%w; make run-worlds says:\n%s", err, m.out())
		}
		if resp.StatusCode != 200 || resp.Header.Get("X-Status-Source") != "file" {
			return fmt.Errorf("%s: %s from %q, want 200 from the file: %s", path, resp.Status, resp.Header.Get("X-Status-Source"), body)
		}
		return json.Unmarshal(body, v)
	}
	// online is each world's online as its own status document says it; an error until
	// every world has one with its rates and players.
	online := func() (map[string]bool, error) {
		out := map[string]bool{}
		for id, w := range want {
			var snap struct {
				Online  bool   `json:"online"`
				Players *int   `json:"players"`
				Reason  string `json:"players_reason"`
				Rates   struct {
					Exp float64 `json:"exp"`
				} `json:"rates"`
			}
			if err := getFile("/api/worlds/"+id+"/status.json", &snap); err != nil {
				return nil, err
			}
			// Offline, a world presents no count (issue 30), and says why.
			counted := snap.Players != nil && *snap.Players == w.players
			if !snap.Online {
				counted = snap.Players == nil && snap.Reason == "offline"
			}
			if snap.Rates.Exp != w.exp || !counted {
				return nil, fmt.Errorf("%s: exp %v players %v, want %v and %d", id, snap.Rates.Exp, snap.Players, w.exp, w.players)
			}
			out[id] = snap.Online
		}
		return out, nil
	}
	harnesstest.Eventually(t, 60*time.Second, harnesstest.Every(250*time.Millisecond, "the worlds"), func(context.Context) error {
		var idx struct{ Worlds []world }
		if err := getFile("/api/worlds.json", &idx); err != nil {
			return err
		}
		if len(idx.Worlds) != len(want) {
			return fmt.Errorf("the index lists %d worlds, want %d", len(idx.Worlds), len(want))
		}
		for _, w := range idx.Worlds {
			x, ok := want[w.ID]
			if !ok || w.Name.EN != x.en || w.Name.RU != x.ru || w.Online == nil || !*w.Online || w.Players == nil || *w.Players != x.players ||
				w.StatusURL != "/api/worlds/"+w.ID+"/status.json" {
				return fmt.Errorf("index entry %+v, want %+v online", w, x)
			}
		}
		up, err := online()
		if err != nil {
			return err
		}
		for id, on := range up {
			if !on {
				return fmt.Errorf("%s offline", id)
			}
		}
		return nil
	})
	t.Logf("make run-worlds: the index and three worlds served from disk after %v", time.Since(start).Round(100*time.Millisecond))

	// The last line printed is the third world's toggle.
	var toggle string
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(50*time.Millisecond, "make run-worlds' output"), func(context.Context) error {
		toggle = ""
		for line := range strings.Lines(m.out()) {
			if f := strings.Fields(line); len(f) > 2 && f[0] == "fast-x50" && strings.Contains(line, "kill -s RTMIN+") {
				toggle = strings.Join(f[2:], " ")
			}
		}
		if !strings.Contains(m.out(), "pvp-season") || !strings.Contains(m.out(), "kill -s RTMIN+3") || toggle == "" {
			return fmt.Errorf("no toggle commands printed:\n%s", m.out())
		}
		return nil
	})
	// The databases it reads: the worlds' schemas, not DB_NAME.
	if o := m.out(); !strings.Contains(o, "/{tz_classic_x1,tz_fast_x50,tz_pvp_season} (user ") || strings.Contains(o, "/tzserver") {
		t.Errorf("make run-worlds does not print the schemas it reads:\n%s", o)
	}
	urls := printedURLs(m.out())
	for _, want := range []string{"/api/worlds.json", "/api/worlds/classic-x1/status.json", "/api/worlds/fast-x50/status.json", "/api/worlds/pvp-season/status.json", "/healthz"} {
		if !slices.ContainsFunc(urls, func(u string) bool { return strings.HasSuffix(u, want) }) {
			t.Errorf("make run-worlds printed no %s URL:\n%s", want, m.out())
		}
	}
	for _, u := range urls {
		answers200(t, u)
	}

	// The printed command closes fast-x50's game server: that world alone goes offline.
	if out, err := exec.Command("sh", "-c", toggle).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", toggle, err, out)
	}
	closed := time.Now()
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(100*time.Millisecond, "fast-x50"), func(context.Context) error {
		up, err := online()
		if err != nil {
			return err
		}
		if up["fast-x50"] || !up["classic-x1"] || !up["pvp-season"] {
			return fmt.Errorf("online %v, want fast-x50 alone offline", up)
		}
		return nil
	})
	t.Logf("%q: fast-x50 offline after %v, the others online", toggle, time.Since(closed).Round(100*time.Millisecond))
	m.stop(t, descendants(t, m.cmd.Process.Pid))
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

// TestDatabasesPrinted: `make run` prints DB_NAME, the database it reads; `make
// run-worlds` the worlds' schemas, which it reads instead (DB_NAME is read by nobody).
func TestDatabasesPrinted(t *testing.T) {
	env := map[string]string{"DB_HOST": "127.0.0.1", "DB_PORT": "3307", "DB_NAME": "tzserver", "DB_USER": "root"}
	if got, want := databases(env, true, nil), "127.0.0.1:3307/tzserver (user root), throwaway, seeded with deploy/seed.sql"; got != want {
		t.Errorf("make run prints %q, want %q", got, want)
	}
	got := databases(env, true, demoWorlds())
	if want := "127.0.0.1:3307/{tz_classic_x1,tz_fast_x50,tz_pvp_season} (user root)"; !strings.HasPrefix(got, want) || strings.Contains(got, "tzserver") {
		t.Errorf("make run-worlds prints %q, want %q and no tzserver", got, want)
	}
}

// answers200 waits for u to answer 200: the documents made from the status (history,
// Statuspage) follow its first publish within a historian pass, not in the same instant.
func answers200(t *testing.T, u string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(100*time.Millisecond, "GET "+u), func(context.Context) error {
		resp, _, _, err := harnesstest.Send(c, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s", resp.Status)
		}
		return nil
	})
}

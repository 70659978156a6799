package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/feed/feedtest"
	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/harness/stack"
)

var update = flag.Bool("update", false, "write testdata/golden-single-world.json from this run")

// golden is what a deployment without a worlds file shows the world: its Redis keys,
// the files in STATUS_DIR, and the public and origin bodies, with what changes from run
// to run (times, seq, latencies, ages, block numbers) replaced by placeholders.
type golden struct {
	RedisKeys []string          `json:"redis_keys"`
	Files     []string          `json:"files"`
	Bodies    map[string]string `json:"bodies"`
	Sources   map[string]string `json:"sources"` // X-Status-Source of each public URL
}

var (
	rfc3339   = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
	numFields = regexp.MustCompile(`"(seq|latency_ms|age_seconds|duration_ms)":\d+`)
	blockName = regexp.MustCompile(`^(\d)-\d+\.json$`)
)

func normalise(b []byte) string {
	s := rfc3339.ReplaceAllString(string(b), "<time>")
	return numFields.ReplaceAllString(s, `"$1":<n>`)
}

// What issues 21 (history, maintenance, Statuspage), 28 (the flips, the windows' first
// publish, the shortlinks' pages) and 31 (the Atom and RSS feeds) added to a deployment without a worlds file: keys,
// documents and the status's new fields. The test takes them out of what it
// compares with the golden (made before the worlds work), so everything older is still
// compared byte for byte, and checks them apart.
var (
	addedName   = regexp.MustCompile(`^(\{server:status\}:(history:\d{8}|flips|maintenance:published)|api\.server\.(history|uptime-(24h|7d|30d))(~(atom|rss))?/.*|api\.history~(atom|rss)/.*|api\.v2\..*|incidents/.*)$`)
	addedFields = `,"status":"online","maintenance":null,"next_maintenance":null`
	// Issue 30 (players over time): the samples' keys, the players document and the
	// count's time in the status.
	added30Name  = regexp.MustCompile(`^(\{server:status\}:(players|answer):\d{8}|\{server:status\}:daily|api\.server\.players/.*)$`)
	added30Field = `,"players_at":"<time>"`
)

// withoutAdded drops the names issue 21 added, and returns them apart.
func withoutAdded(names []string) (old, added []string) {
	for _, n := range names {
		if added30Name.MatchString(n) {
			continue // checked apart (TestPlayersOverTime and the lines below)
		}
		if addedName.MatchString(n) {
			added = append(added, n)
		} else {
			old = append(old, n)
		}
	}
	return old, added
}

// TestGoldenSingleWorld: without a worlds file, the URLs, Redis keys, files and bodies of
// a deployment are those of the code before worlds existed. The golden file was written
// by this test (-update) on commit b0db770, before the worlds refactor.
func TestGoldenSingleWorld(t *testing.T) {
	ctx := context.Background()
	t.Parallel()
	bin := built(t)
	game := harnesstest.GameServer(t, true)
	// A probe round every 30 s: the one at start, then nothing moves while this test looks.
	s, err := stack.Start(ctx, stack.Config{Dir: t.TempDir(), Bin: bin, Interval: 60, TTL: 90, Env: map[string]string{
		"GAME_SERVER_ADDR": game.Addr, "STATUS_PROBE_INTERVAL": "30", "STATUS_PLAYERS_QUERY": harness.DemoPlayersQuery,
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	// Which block levels a window is linked under depends on where its ends fall in a
	// 10-s block: start the snapshotter 3 s into one, so that neither end is aligned and
	// the names are those of every run (1-s blocks at both ends, 10-s ones between). The
	// wait is for a point of the wall clock, which nothing signals.
	time.Sleep(time.Duration(13-time.Now().Unix()%10)%10*time.Second - time.Duration(time.Now().Nanosecond()))
	if err := s.StartSnapshotter(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("snapshotter log:\n%s", s.Logs("snapshotter"))
		}
	})

	c := &http.Client{Timeout: 5 * time.Second}
	get := func(url string) (string, string, error) {
		resp, body, _, err := harnesstest.Send(c, http.MethodGet, url, nil)
		if err != nil {
			return "", "", err
		}
		if resp.StatusCode != http.StatusOK {
			return "", "", fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
		}
		return string(body), resp.Header.Get("X-Status-Source"), nil
	}
	harnesstest.Eventually(t, 30*time.Second, harnesstest.Every(100*time.Millisecond, "the public status"), func(context.Context) error {
		body, src, err := get(s.PublicURL() + "/api/server/status")
		switch {
		case err != nil:
			return err
		case src != "file" || !strings.Contains(body, `"players":3`) || !strings.Contains(body, `"probe":[{"ok":true`):
			return fmt.Errorf("from %q: %s; want the file with players and a probe round", src, body)
		}
		return nil
	})
	files := func() ([]string, error) {
		seen := map[string]bool{}
		err := filepath.WalkDir(s.StatusDir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || path == s.StatusDir {
				return err
			}
			rel, err := filepath.Rel(s.StatusDir, path)
			if err != nil {
				return err
			}
			dir, name := filepath.Split(rel)
			if d.IsDir() {
				name += "/"
			}
			seen[dir+blockName.ReplaceAllString(name, "$1-N.json")] = true
			return nil
		})
		return slices.Sorted(func(yield func(string) bool) {
			for k := range seen {
				if !yield(k) {
					return
				}
			}
		}), err
	}
	// The folder is settled when two listings a second apart agree.
	var got golden
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(time.Second, "STATUS_DIR"), func(context.Context) error {
		now, err := files()
		if err != nil {
			return err
		}
		if !slices.Equal(now, got.Files) {
			got.Files = now
			return fmt.Errorf("STATUS_DIR still changing: %v", now)
		}
		return nil
	})

	rdb := redis.NewClient(&redis.Options{Addr: s.Redis.Addr()})
	defer rdb.Close()
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	var addedKeys, addedFiles []string
	for _, want := range []string{"{server:status}:players:", "{server:status}:answer:"} {
		if !slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, want) }) {
			t.Errorf("no %s key (issue 30's samples): %q", want, keys)
		}
	}
	got.RedisKeys, addedKeys = withoutAdded(keys)
	got.Files, addedFiles = withoutAdded(got.Files)
	if len(addedKeys) != 2 || addedKeys[0] != "{server:status}:flips" || !strings.HasPrefix(addedKeys[1], "{server:status}:history:") {
		t.Errorf("keys issues 21 and 28 added: %q, want the flips and today's history key", addedKeys)
	}
	for _, f := range []string{"api.server.history/", "api.server.uptime-24h/", "api.server.uptime-7d/", "api.server.uptime-30d/",
		"api.v2.status/", "api.v2.summary/", "api.v2.components/", "api.v2.incidents/", "api.v2.scheduled-maintenances/"} {
		if !slices.Contains(addedFiles, f) {
			t.Errorf("STATUS_DIR has no %s (issue 21's documents): %q", f, addedFiles)
		}
	}
	// Issue 31's feeds, published by the snapshotter and served by nginx with their type.
	for _, f := range []struct{ folder, url, ctype string }{
		{"api.server.history~atom/", "/api/server/history.atom", "application/atom+xml; charset=utf-8"},
		{"api.server.history~rss/", "/api/server/history.rss", "application/rss+xml; charset=utf-8"},
		{"api.history~atom/", "/history.atom", "application/atom+xml; charset=utf-8"},
		{"api.history~rss/", "/history.rss", "application/rss+xml; charset=utf-8"},
	} {
		if !slices.Contains(addedFiles, f.folder) {
			t.Errorf("STATUS_DIR has no %s (issue 31's feeds): %q", f.folder, addedFiles)
		}
		resp, body, _, err := harnesstest.Send(c, http.MethodGet, s.PublicURL()+f.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		parse := feedtest.RSS
		if strings.HasSuffix(f.url, ".atom") {
			parse = feedtest.Atom
		}
		if _, perr := parse(body); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != f.ctype || resp.Header.Get("X-Status-Source") != "file" || perr != nil {
			t.Errorf("GET %s: %s, %q from %q (%v):\n%s", f.url, resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("X-Status-Source"), perr, body)
		}
	}
	got.Bodies, got.Sources = map[string]string{}, map[string]string{}
	// The origin answered the polls before the leader's first publish, from MySQL, and
	// refills Redis with that read (no probe, no players) in the background: a refill that
	// lands after the leader's write stands until the leader puts its own back (its next
	// check, within 5 s). The leader's own is the one to compare.
	var value []byte
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(100*time.Millisecond, "the leader's snapshot in Redis"), func(context.Context) error {
		v, err := rdb.Get(ctx, "server:status").Bytes()
		if err != nil {
			return err
		}
		if !strings.Contains(string(v), `"players":3`) || !strings.Contains(string(v), `"probe":[{"ok":true`) {
			return fmt.Errorf("server:status is %s; want the leader's, with players and a probe round", v)
		}
		value = v
		return nil
	})
	// The status's fields of issue 21 sit before _meta; the golden has none of them.
	old := func(name, body string) string {
		if !strings.Contains(body, addedFields) {
			t.Errorf("%s: no %s in %s", name, addedFields, body)
		}
		if !strings.Contains(body, added30Field) {
			t.Errorf("%s: no %s in %s", name, added30Field, body)
		}
		return strings.Replace(strings.Replace(body, addedFields, "", 1), added30Field, "", 1)
	}
	got.Bodies["redis server:status"] = old("redis server:status", normalise(value))
	disk, err := os.ReadFile(filepath.Join(s.StatusDir, "status.json"))
	if err != nil {
		t.Fatal(err)
	}
	got.Bodies["STATUS_DIR/status.json"] = old("STATUS_DIR/status.json", normalise(disk))
	for _, u := range []struct{ name, url string }{
		{"/api/server/status", s.PublicURL() + "/api/server/status"},
		{"/status.json", s.PublicURL() + "/status.json"},
		{"/api/server/badge.json", s.PublicURL() + "/api/server/badge.json"},
		{"origin /server/status", s.OriginURL() + "/server/status"},
	} {
		body, src, err := get(u.url)
		if err != nil {
			t.Fatal(err)
		}
		got.Bodies[u.name] = normalise([]byte(body))
		if !strings.Contains(u.name, "badge") {
			got.Bodies[u.name] = old(u.name, got.Bodies[u.name])
		}
		if src != "" {
			got.Sources[u.name] = src
		}
	}

	path := filepath.Join("testdata", "golden-single-world.json")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the placeholders' <> stay readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s:\n%s", path, out)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with -update on the commit before the worlds refactor)", err)
	}
	if string(out) != string(want) {
		t.Errorf("a deployment without a worlds file differs from %s:\ngot:\n%s\nwant:\n%s", path, out, want)
	}
}

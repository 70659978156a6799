package replica

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"statusedge/internal/config"
	"statusedge/internal/harness/harnesstest"
	harnessstack "statusedge/internal/harness/stack"
	"statusedge/internal/publish"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// TestRemovedWorldWithdrawn (issue 27, defect 11): worlds x1 and x2 published, then a
// start whose worlds file lists x1 alone. x2's status and badge used to stay on disk
// (its badge "stale" forever, its status a 404 from the origin); now a real nginx
// answers both with its 404 and x2's copies are gone, while x1 is served as before. A
// symlink named like a world is removed as a link (what it points at stays), and names
// that are no world id stay.
func TestRemovedWorldWithdrawn(t *testing.T) {
	dir := t.TempDir()
	status := filepath.Join(dir, "status")
	if err := os.MkdirAll(status, 0o755); err != nil {
		t.Fatal(err)
	}
	p := nginx.Params{Listen: harnesstest.FreeAddr(t), OriginAddr: harnesstest.FreeAddr(t), StatusDir: status, Interval: 600}
	n, err := harnessstack.StartNginx(filepath.Join(dir, "nginx"), p, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	now := time.Now().UTC().Truncate(time.Second)
	s := snapshot.Snapshot{ServerStatus: 1, Rates: snapshot.Rates{Exp: 1, PvP: 1, PvE: 1, ColorMob: 1, Skill: 1}, ClientStatus: 256,
		UpdatedAt: now, FreshUntil: now.Add(config.DefaultTTL), Online: true, CheckedAt: now, Seq: now.UnixMilli(), Probe: []snapshot.ProbeTarget{}}
	for _, id := range []string{"x1", "x2"} {
		if err := snapshot.NewWorldPublisher(status, snapshot.WorldLayout(id), n.Params.MaxAge(), time.Now, time.Sleep).Publish(s.Encode(), s); err != nil {
			t.Fatal(err)
		}
	}
	outside := filepath.Join(dir, "outside")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	folder := func(doc string) string { return nginx.DocDir(status, doc) }
	if err := os.Symlink(outside, nginx.DocDir(status, snapshot.WorldLayout("x9").StatusDoc)); err != nil {
		t.Fatal(err)
	}
	notWorld := nginx.DocDir(status, "api/worlds/Not_A_World/status")
	for _, keep := range []string{notWorld, filepath.Join(status, "status-X.json"), filepath.Join(outside, "keep.json")} {
		if err := os.WriteFile(keep, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	get := func(path string) int {
		t.Helper()
		c := &http.Client{Timeout: 5 * time.Second}
		resp, err := c.Get("http://" + p.Listen + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	x1, x2 := snapshot.WorldLayout("x1"), snapshot.WorldLayout("x2")
	for _, doc := range []string{x2.StatusDoc, x2.BadgeDoc} {
		if code := get("/" + doc + ".json"); code != http.StatusOK {
			t.Fatalf("setup: /%s.json answers %d, want 200", doc, code)
		}
	}
	// Each world's feed (issue 31): a typed document's folder goes with its world too.
	pub := publish.New(status, n.Params.MaxAge(), time.Now, time.Sleep)
	for _, l := range []snapshot.Layout{x1, x2} {
		feed := []byte(`<feed xmlns="http://www.w3.org/2005/Atom"/>`)
		if err := pub.Publish(publish.Document{Path: l.HistoryDoc, Type: "atom", Body: feed, From: now, Until: now.Add(config.DefaultTTL), Modified: now, Stale: feed}); err != nil {
			t.Fatal(err)
		}
		if code := get("/" + l.HistoryDoc + ".atom"); code != http.StatusOK {
			t.Fatalf("setup: /%s.atom answers %d, want 200", l.HistoryDoc, code)
		}
	}

	Withdraw(status, []string{"x1"}, slog.New(slog.NewTextHandler(io.Discard, nil)))

	// nginx's open_file_cache may serve a withdrawn name up to 1 s (the edge's ±1 s,
	// docs/spec.md): each answer is asked for until it comes, within 1.5 s of the withdrawal.
	withdrawn := time.Now()
	for doc, want := range map[string]int{x2.StatusDoc: 404, x2.BadgeDoc: 404, x1.StatusDoc: 200, x1.BadgeDoc: 200} {
		code := get("/" + doc + ".json")
		for code != want && time.Since(withdrawn) < 1500*time.Millisecond {
			code = get("/" + doc + ".json")
		}
		if code != want {
			t.Errorf("/%s.json answers %d 1.5 s after the withdrawal, want %d", doc, code, want)
		}
	}
	for doc, want := range map[string]int{x2.HistoryDoc: 404, x1.HistoryDoc: 200} {
		if code := get("/" + doc + ".atom"); code != want {
			t.Errorf("/%s.atom answers %d, want %d", doc, code, want)
		}
	}
	for path, want := range map[string]bool{
		nginx.TypedDir(status, x2.HistoryDoc, "atom"): false, nginx.TypedDir(status, x1.HistoryDoc, "atom"): true,
		filepath.Join(status, x2.StatusFile): false, filepath.Join(status, x2.BadgeFile): false,
		folder(x2.StatusDoc): false, folder(x2.BadgeDoc): false,
		nginx.DocDir(status, snapshot.WorldLayout("x9").StatusDoc): false,
		filepath.Join(status, x1.StatusFile):                       true, folder(x1.StatusDoc): true, folder(x1.BadgeDoc): true,
		notWorld: true, filepath.Join(status, "status-X.json"): true,
		filepath.Join(outside, "keep.json"): true,
	} {
		if _, err := os.Lstat(path); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v (%v)", path, err == nil, want, err)
		}
	}
}

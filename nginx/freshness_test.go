package nginx_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"statusedge/internal/harness/stack"
	"statusedge/nginx"
)

// TestAgeSweep: through nginx, the file is served from disk exactly while it is younger
// than the TTL (±1 s), and by the origin after, checked every 200 ms.
func TestAgeSweep(t *testing.T) {
	const ttl = 3
	s := startStack(t, stack.Config{Interval: 2, TTL: ttl})
	once(t, s)
	api := s.PublicURL() + "/api/server/status"
	updated := get(t, api).snap(t).UpdatedAt
	var fromFile, fromOrigin int
	for {
		r := get(t, api)
		age := time.Since(updated)
		switch {
		case r.code != 200:
			t.Fatalf("age %v: %s", age, describe(r))
		case age < (ttl-1)*time.Second && r.source() != "file":
			t.Fatalf("age %v: from %q, want file", age, r.source())
		case age > (ttl+1)*time.Second && r.source() != "origin":
			t.Fatalf("age %v: from %q, want origin", age, r.source())
		}
		if r.source() == "file" {
			fromFile++
		} else {
			fromOrigin++
		}
		if age > (ttl+2)*time.Second {
			break
		}
		time.Sleep(200 * time.Millisecond) // the sweep's own pace
	}
	t.Logf("TTL %d s: %d answers from the file, %d from the origin", ttl, fromFile, fromOrigin)
}

// TestTTLChangeNeedsNoReload: a new STATUS_CACHE_TTL takes effect on the edge at the next
// publish, with nginx neither re-rendered nor reloaded.
func TestTTLChangeNeedsNoReload(t *testing.T) {
	s := startStack(t, stack.Config{Interval: 1, TTL: 2})
	api := s.PublicURL() + "/api/server/status"
	conf, err := os.ReadFile(s.Nginx.Conf)
	if err != nil {
		t.Fatal(err)
	}
	once(t, s, "STATUS_CACHE_TTL=6")
	updated := get(t, api).snap(t).UpdatedAt
	// Past the old TTL (2 s), within the new one (6 s): still from disk.
	waitFor(t, 10*time.Second, "age 3 s", func() bool { return time.Since(updated) > 3*time.Second })
	if r := get(t, api); r.source() != "file" || !r.snap(t).UpdatedAt.Equal(updated) {
		t.Errorf("age %v under the new TTL of 6 s: from %q", time.Since(updated), r.source())
	}
	waitFor(t, 10*time.Second, "age 7 s", func() bool { return time.Since(updated) > 7*time.Second })
	if r := get(t, api); r.source() != "origin" {
		t.Errorf("age %v past the new TTL of 6 s: from %q", time.Since(updated), r.source())
	}
	if after, err := os.ReadFile(s.Nginx.Conf); err != nil || string(after) != string(conf) || s.Nginx.Exited() {
		t.Error("nginx's config changed or nginx stopped")
	}
}

// TestCrashMidPublish: a publish that fails halfway leaves the URL serving a complete
// snapshot, and the snapshotter's next start cleans up what it left.
func TestCrashMidPublish(t *testing.T) {
	s := startStack(t, stack.Config{})
	api := s.PublicURL() + "/api/server/status"
	once(t, s)
	old := get(t, api)
	// A non-empty folder squats on last.json: the next publish (after its start-up
	// recovery, which also fails there) links every name of its window, then fails before
	// it links last.json and prunes, as a crash between those steps would leave it.
	served := nginx.DocDir(s.StatusDir, nginx.StatusDoc)
	squat := filepath.Join(served, nginx.LastName)
	if err := os.Remove(squat); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(squat, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Let the second turn, so the new snapshot differs from the old.
	waitFor(t, 3*time.Second, "a new second", func() bool { return time.Now().Unix() > old.snap(t).UpdatedAt.Unix() })
	if err := s.Once(context.Background()); err == nil {
		t.Fatal("the publish over squatted names succeeded: the failure was not injected")
	}
	newFile, err := os.ReadFile(statusFile(s))
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		r := get(t, api)
		if r.code != 200 || (string(r.body) != string(old.body) && string(r.body) != string(newFile)) {
			t.Fatalf("after a failed publish: %s", describe(r))
		}
	}
	if err := os.RemoveAll(squat); err != nil {
		t.Fatal(err)
	}
	// What a crash between two steps leaves: temp files of each kind.
	for _, junk := range []string{filepath.Join(served, ".tmp-crash"), filepath.Join(served, ".link-crash"), filepath.Join(s.StatusDir, ".status.json123")} {
		if err := os.WriteFile(junk, []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.StartSnapshotter(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the restarted snapshotter's publish", func() bool {
		r := get(t, api)
		return r.source() == "file" && r.snap(t).UpdatedAt.After(old.snap(t).UpdatedAt)
	})
	for _, pattern := range []string{filepath.Join(served, ".tmp-*"), filepath.Join(served, ".link-*"), filepath.Join(s.StatusDir, ".status.json*")} {
		if left, err := filepath.Glob(pattern); err != nil || len(left) != 0 {
			t.Errorf("left after the restart: %v %v", left, err)
		}
	}
}

// TestServedTreeStaysBounded: 20 publishes leave about a hundred names per kind (TTL 900 s:
// the snapshot's and the badge's, one of each per block), not more with each publish.
func TestServedTreeStaysBounded(t *testing.T) {
	s := startStack(t, stack.Config{})
	for range 20 {
		once(t, s)
	}
	n := 0
	err := filepath.WalkDir(s.StatusDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("STATUS_DIR holds %d files after 20 publishes (TTL 900 s)", n)
	if n > 2*120 {
		t.Errorf("%d files after 20 publishes", n)
	}
}

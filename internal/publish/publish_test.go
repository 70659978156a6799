package publish_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/edgetest"
	"statusedge/internal/publish"
	"statusedge/nginx"
)

// hint is the max-age hint the tests' nginx would be rendered with.
const hint = 10 * time.Second

const doc = "api/test/doc"

// clock is a fake clock: sleep moves it on, and counts what was slept.
type clock struct {
	now   time.Time
	slept time.Duration
}

func (c *clock) Now() time.Time        { return c.now }
func (c *clock) Sleep(d time.Duration) { c.now, c.slept = c.now.Add(d), c.slept+d }
func newPublisher(dir string, c *clock) *publish.Publisher {
	return publish.New(dir, hint, c.Now, c.Sleep)
}

// document is a test document fresh for ttl from at, made at at.
func document(body string, at time.Time, ttl time.Duration) publish.Document {
	return publish.Document{Path: doc, Body: []byte(body), From: at, Until: at.Add(ttl), Modified: at, Last: []byte("last " + body)}
}

func servedAt(t *testing.T, dir string, at int64) []byte {
	t.Helper()
	data, ok, err := edgetest.Served(dir, doc, time.Unix(at, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return nil
	}
	return data
}

func mtime(t *testing.T, dir string) time.Time {
	t.Helper()
	fi, err := os.Stat(filepath.Join(nginx.DocDir(dir, doc), nginx.CurrentName))
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}

func TestPublishServesExactlyTheWindow(t *testing.T) {
	dir := t.TempDir()
	start := time.Unix(1764400987, 0)
	c := &clock{now: start}
	p := newPublisher(dir, c)
	ttl := 900 * time.Second
	d := document("v0", start, ttl)
	if err := p.Publish(d); err != nil {
		t.Fatal(err)
	}
	for sec := start.Unix() - 2; sec < d.Until.Unix()+3; sec++ {
		got := servedAt(t, dir, sec)
		fresh := sec >= start.Unix() && sec < d.Until.Unix()
		if fresh != (got != nil) || (fresh && string(got) != "v0") {
			t.Fatalf("second %+d: served %q, fresh %v", sec-start.Unix(), got, fresh)
		}
	}
	if m := mtime(t, dir); !m.Equal(start) {
		t.Errorf("mtime = %v, want Modified %v", m, start)
	}
	if b, err := os.ReadFile(filepath.Join(nginx.DocDir(dir, doc), nginx.LastName)); err != nil || string(b) != "last v0" {
		t.Errorf("last.json = %q, %v", b, err)
	}

	// A new version 7 minutes later: from its first second on, every lookup finds it,
	// none an old coarser name; the names stay few however many publishes.
	for i := 1; i <= 20; i++ {
		c.now = start.Add(time.Duration(i) * 421 * time.Second)
		d = document(fmt.Sprint("v", i), c.now, ttl)
		if err := p.Publish(d); err != nil {
			t.Fatal(err)
		}
		for sec := c.now.Unix(); sec < d.Until.Unix(); sec++ {
			if got := servedAt(t, dir, sec); string(got) != string(d.Body) {
				t.Fatalf("publish %d, second %+d: served %q, want %q", i, sec-c.now.Unix(), got, d.Body)
			}
		}
	}
	names, err := edgetest.ServedNames(dir, doc)
	if err != nil {
		t.Fatal(err)
	}
	if want := nginx.Cover(c.now.Unix(), c.now.Unix(), d.Until.Unix()); len(names) != len(want) {
		t.Errorf("%d names after 21 publishes, want the last window's %d", len(names), len(want))
	}
}

// TestPublishMovesMtimeWhenBytesChange: a republish of the same window with other bytes
// made later (a probe round) takes its own second, so that max-age is the full hint
// again; a second one within that second waits for the next, on the injected clock; none
// reaches past now or past the window's end less the hint; and when no second is left
// the new bytes are refused and nothing changes.
func TestPublishMovesMtimeWhenBytesChange(t *testing.T) {
	dir := t.TempDir()
	at := time.Unix(1764400000, 0)
	c := &clock{now: at}
	p := newPublisher(dir, c)
	base := document("v0", at, time.Minute)
	round := func(body string) publish.Document {
		d := base
		d.Body, d.Modified = []byte(body), c.now
		return d
	}
	if err := p.Publish(base); err != nil {
		t.Fatal(err)
	}
	first := mtime(t, dir)
	c.now = at.Add(5 * time.Second)
	if err := p.Publish(base); err != nil {
		t.Fatal(err)
	}
	if m := mtime(t, dir); !m.Equal(first) {
		t.Errorf("same bytes republished: mtime moved from %v to %v (the ETag would change for nothing)", first, m)
	}

	for i, sec := range []int{5, 12, 19} {
		c.now = at.Add(time.Duration(sec)*time.Second + 300*time.Millisecond)
		if err := p.Publish(round(fmt.Sprint("r", i))); err != nil {
			t.Fatal(err)
		}
		if want := c.now.Truncate(time.Second); !mtime(t, dir).Equal(want) {
			t.Errorf("round at +%ds: mtime %v, want the current second %v", sec, mtime(t, dir), want)
		}
	}
	// A second round within the same second waits for the next one, on the clock it was
	// given, and not while it holds STATUS_DIR: the wait is the fake clock's.
	c.slept = 0
	if err := p.Publish(round("r3")); err != nil {
		t.Fatal(err)
	}
	if want := at.Add(20 * time.Second); !mtime(t, dir).Equal(want) || c.slept != 700*time.Millisecond {
		t.Errorf("second round within +19s: mtime %v after sleeping %v, want %v after 700ms", mtime(t, dir), c.slept, want)
	}

	// Near the window's end the mtime stops at until - hint; past that second no new
	// bytes go out, and what nginx serves stays as it was.
	latest := base.Until.Add(-hint)
	c.now = latest.Add(3 * time.Second)
	if err := p.Publish(round("r4")); err != nil {
		t.Fatal(err)
	}
	if !mtime(t, dir).Equal(latest) {
		t.Errorf("round within the hint of the end: mtime %v, want %v", mtime(t, dir), latest)
	}
	if err := p.Publish(round("r5")); !errors.Is(err, publish.ErrNoSecondLeft) {
		t.Errorf("round with no second left: %v, want ErrNoSecondLeft", err)
	}
	if got := servedAt(t, dir, c.now.Unix()); string(got) != "r4" || !mtime(t, dir).Equal(latest) {
		t.Errorf("a refused round changed what is served (%q) or the mtime", got)
	}

	// A mark touched an hour ahead (or a clock stepped back) never puts the mtime, and so
	// Last-Modified and max-age, past now.
	c.now = at.Add(30 * time.Second)
	ahead := c.now.Add(time.Hour)
	if err := os.Chtimes(filepath.Join(nginx.DocDir(dir, doc), nginx.CurrentName), ahead, ahead); err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(round("r6")); err != nil {
		t.Fatal(err)
	}
	if mtime(t, dir).After(c.now) {
		t.Errorf("after a mark from the future: mtime %v is past now %v", mtime(t, dir), c.now)
	}
}

// TestPublishNeverRepeatsAnMtime: new bytes always get an mtime later than any before,
// so no client holding an older version's validators gets a 304 for them: a new version
// made in the second a round took, a clock behind the last mtime (stepped back, or a
// follower's clock behind the leader's), and max-age still ends with the window.
func TestPublishNeverRepeatsAnMtime(t *testing.T) {
	dir := t.TempDir()
	at := time.Unix(1764400000, 0)
	c := &clock{now: at}
	p := newPublisher(dir, c)
	pub := func(d publish.Document) time.Time {
		t.Helper()
		if err := p.Publish(d); err != nil {
			t.Fatal(err)
		}
		return mtime(t, dir)
	}
	pub(document("v0", at, time.Minute))
	c.now = at.Add(20*time.Second + 900*time.Millisecond)
	r := document("r0", at, time.Minute)
	r.Modified = c.now
	roundAt := pub(r)
	next := document("v1", at.Add(20*time.Second), time.Minute)
	if got := pub(next); !got.After(roundAt) {
		t.Errorf("new version in a round's second: mtime %v, the round's %v", got, roundAt)
	}

	// The clock three seconds behind the last mtime: each round still moves it on, and
	// without waiting.
	hw := mtime(t, dir)
	c.now, c.slept = hw.Add(-3*time.Second), 0
	for i := range 3 {
		d := next
		d.Body, d.Modified = []byte(fmt.Sprint("v1 round ", i)), c.now
		if got, want := pub(d), hw.Add(time.Duration(i+1)*time.Second); !got.Equal(want) {
			t.Errorf("round %d with the clock behind: mtime %v, want %v", i, got, want)
		}
	}
	if c.slept != 0 {
		t.Errorf("rounds with the clock behind waited %v", c.slept)
	}
	if limit := next.Until.Add(-hint); mtime(t, dir).After(limit) {
		t.Errorf("mtime %v past until - hint %v", mtime(t, dir), limit)
	}
}

// TestStaleCopyAndRefusedPath: a document's stale copy lands beside it, and a path nginx
// would not serve is refused without a folder made for it.
func TestStaleCopyAndRefusedPath(t *testing.T) {
	dir := t.TempDir()
	at := time.Unix(1764400000, 0)
	p := newPublisher(dir, &clock{now: at})
	d := document("v0", at, time.Minute)
	d.Stale = []byte("stale v0")
	if err := p.Publish(d); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(nginx.DocDir(dir, doc), nginx.StaleName)); err != nil || string(b) != "stale v0" {
		t.Errorf("stale.json = %q, %v", b, err)
	}
	for _, bad := range []string{"../etc", "api/../x", "api", "api/A", "api/x.json", "status", "api/x/"} {
		d.Path = bad
		if err := p.Publish(d); err == nil {
			t.Errorf("path %q published", bad)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "etc")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused path made a folder: %v", err)
	}
}

// TestRecoverAfterAFailedPublish: a publish that fails before every name points at the
// new version serves nothing from disk (never the old version as fresh), and Recover at
// the next start links the window anew and tidies up.
func TestRecoverAfterAFailedPublish(t *testing.T) {
	dir := t.TempDir()
	now := time.Unix(1764400987, 0)
	c := &clock{now: now}
	p := newPublisher(dir, c)
	old := document("old", now, 900*time.Second)
	if err := p.Publish(old); err != nil {
		t.Fatal(err)
	}
	// A failure midway: a non-empty folder squats on the new window's last name, so every
	// link before it lands and the rest do not, as a crash between two links leaves them.
	c.now = now.Add(300 * time.Second)
	fresh := document("new", c.now, 900*time.Second)
	names := nginx.Cover(c.now.Unix(), c.now.Unix(), fresh.Until.Unix())
	squat := filepath.Join(nginx.DocDir(dir, doc), names[len(names)-1])
	if err := os.MkdirAll(filepath.Join(squat, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(fresh); err == nil {
		t.Fatal("publish over a squatted name succeeded")
	}
	// Some names were linked to the new version, the rest still pointed at the old: the
	// failed publish withdrew them all rather than serve the old version as fresh.
	for sec := c.now.Unix(); sec < fresh.Until.Unix(); sec++ {
		if got := servedAt(t, dir, sec); got != nil {
			t.Fatalf("second %d after a failed publish: served %q, want nothing (the origin's turn)", sec, got)
		}
	}
	if err := os.RemoveAll(squat); err != nil {
		t.Fatal(err)
	}
	for _, junk := range []string{filepath.Join(nginx.DocDir(dir, doc), ".tmp-123"), filepath.Join(dir, ".status.json42"), filepath.Join(dir, "1-176440.json")} {
		if err := os.WriteFile(junk, []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := newPublisher(dir, c).Recover(fresh); err != nil {
		t.Fatal(err)
	}
	for sec := c.now.Unix(); sec < fresh.Until.Unix(); sec++ {
		if got := servedAt(t, dir, sec); string(got) != "new" {
			t.Fatalf("after recovery, second %+d: served %q, want the recovered version", sec-c.now.Unix(), got)
		}
	}
	for _, pattern := range []string{filepath.Join(nginx.DocDir(dir, doc), ".[tl]*"), filepath.Join(dir, ".s*"), filepath.Join(dir, "?-*.json")} {
		if left, _ := filepath.Glob(pattern); len(left) != 0 {
			t.Errorf("left after recovery: %v", left)
		}
	}
}

// TestSymlinkedFolderIsNotWrittenThrough: a document's folder swapped for a symlink is
// refused, and nothing is written or pruned where it points.
func TestSymlinkedFolderIsNotWrittenThrough(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	at := time.Unix(1764400987, 0)
	p := newPublisher(dir, &clock{now: at})
	keep := filepath.Join(outside, "1-42.json")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, nginx.DocDir(dir, doc)); err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(document("v0", at, time.Minute)); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("publish through a symlinked folder: %v, want a refusal", err)
	}
	if err := p.Withdraw(doc); err == nil {
		t.Error("withdraw through a symlinked folder: no error")
	}
	entries, err := os.ReadDir(outside)
	if err != nil || len(entries) != 1 || entries[0].Name() != "1-42.json" {
		t.Errorf("the symlink's target holds %v (%v), want only what was there", entries, err)
	}
}

// TestWithdraw: a withdrawn document has no name left; its fallbacks stay.
func TestWithdraw(t *testing.T) {
	dir := t.TempDir()
	at := time.Unix(1764400987, 0)
	p := newPublisher(dir, &clock{now: at})
	if err := p.Publish(document("v0", at, 900*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := p.Withdraw(doc); err != nil {
		t.Fatal(err)
	}
	if names, err := edgetest.ServedNames(dir, doc); err != nil || len(names) != 0 {
		t.Errorf("names after withdrawing: %v %v", names, err)
	}
	if _, err := os.Stat(filepath.Join(nginx.DocDir(dir, doc), nginx.LastName)); err != nil {
		t.Errorf("last.json after withdrawing: %v", err)
	}
}

func TestReadFileRefusesWhatThePublisherDidNotWrite(t *testing.T) {
	for name, plant := range map[string]func(path string) error{
		"symlink":   func(p string) error { return os.Symlink("/etc/passwd", p) },
		"directory": func(p string) error { return os.Mkdir(p, 0o755) },
		"oversized": func(p string) error { return os.WriteFile(p, make([]byte, publish.MaxFileSize+1), 0o644) },
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "status.json")
			if err := plant(path); err != nil {
				t.Fatal(err)
			}
			b, _, err := publish.ReadFile(path)
			if err == nil || len(b) != 0 {
				t.Fatalf("read %d bytes, err %v", len(b), err)
			}
			if bytes.Count([]byte(err.Error()), []byte(path)) != 1 {
				t.Errorf("error %q should name the path once", err)
			}
		})
	}
}

// TestTypedDocuments: a feed and the JSON document of one path are two documents, in two
// folders (nginx.TypedDir), neither touching the other; a type nginx has no location for
// is refused before anything is written.
func TestTypedDocuments(t *testing.T) {
	dir := t.TempDir()
	at := time.Unix(1764400000, 0)
	p := newPublisher(dir, &clock{now: at})
	j := document(`{"v":1}`, at, time.Minute)
	atom := document("<feed/>", at, time.Minute)
	atom.Type, atom.Stale = "atom", []byte("<feed/>")
	if err := p.Publish(j, atom); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ ext, folder, body string }{{"", "api.test.doc", `{"v":1}`}, {"json", "api.test.doc", `{"v":1}`}, {"atom", "api.test.doc~atom", "<feed/>"}} {
		if got := nginx.TypedDir(dir, doc, tt.ext); got != filepath.Join(dir, tt.folder) {
			t.Errorf("TypedDir(%q) = %s, want %s", tt.ext, got, tt.folder)
		}
		b, err := os.ReadFile(filepath.Join(dir, tt.folder, nginx.CurrentName))
		if err != nil || string(b) != tt.body {
			t.Errorf("type %q: %s holds %q (%v), want %q", tt.ext, tt.folder, b, err, tt.body)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "api.test.doc~atom", nginx.StaleName)); err != nil || string(b) != "<feed/>" {
		t.Errorf("the feed's stale copy: %q, %v", b, err)
	}
	// Refused: no folder made for it.
	for _, bad := range []string{"xml", "ATOM", "atom/../x", "~atom"} {
		d := document("x", at, time.Minute)
		d.Path, d.Type = "api/test/other", bad
		if err := p.Publish(d); err == nil || !strings.Contains(err.Error(), "document type") {
			t.Errorf("type %q: %v, want a refusal", bad, err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "api.test.other") {
			t.Errorf("a refused type made %s", e.Name())
		}
	}
}

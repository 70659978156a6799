// Package publish makes documents what nginx serves from STATUS_DIR, each for exactly the
// seconds of its freshness window, by the edge contract that package nginx owns. It knows
// nothing of what a document says: the snapshot, its badge, a history are all alike.
package publish

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/google/renameio/v2"

	"statusedge/nginx"
)

// Document is one published document.
type Document struct {
	// Path names it: nginx serves /<Path>.<Type> (nginx.CheckDoc).
	Path string
	// Type is its type's extension (nginx.Types): "" or "json" for JSON, "atom", "rss".
	// Path and Type together name it: a feed and the JSON document of one path are two.
	Type string
	Body []byte
	// From and Until bound its window: nginx serves Body for the seconds [From, Until).
	From, Until time.Time
	// Modified is when its content was made (a database read, a probe round): the
	// Last-Modified it gets, unless the rules in mtime say otherwise.
	Modified time.Time
	// Stale, when set, is what nginx serves past the window (no-cache) instead of asking
	// the origin: a document the origin cannot build.
	Stale []byte
	// Last, when set, is the newest copy marked stale: nginx's answer past the window
	// when the origin fails.
	Last []byte
	// Copy, when set, is a file name in STATUS_DIR itself that gets Body first: the
	// canonical copy that programs and people read (status.json), written only when the
	// document goes out.
	Copy string
}

// lockName is the lock file that keeps two publishers on one STATUS_DIR (a `-once` beside
// the running snapshotter) from tidying away each other's temp files.
const lockName = ".publish.lock"

// MaxFileSize bounds what is read back from STATUS_DIR: a document is a few KB, and a
// file planted there must not make every reader allocate its size.
const MaxFileSize = 1 << 20

// ErrNoSecondLeft is Publish's refusal of new bytes for a document whose window has no
// second left for their mtime: any mtime still free would give a max-age that outlives
// the window. What is served stays as it was.
var ErrNoSecondLeft = errors.New("no second left before the window's end for a new Last-Modified")

// Publisher keeps the documents' folders in STATUS_DIR. It alone decides how long nginx
// serves a document from disk: the names it links say for which seconds.
type Publisher struct {
	dir    string
	maxAge time.Duration // the hint nginx adds to the mtime (nginx.MaxAge)
	now    func() time.Time
	// sleep waits for the next second when two publishes fall in one (a test's fake
	// clock advances instead). Never called under the STATUS_DIR lock.
	sleep func(time.Duration)
}

// New publishes into dir (STATUS_DIR) for an nginx whose max-age hint is maxAge.
func New(dir string, maxAge time.Duration, now func() time.Time, sleep func(time.Duration)) *Publisher {
	return &Publisher{dir: dir, maxAge: maxAge, now: now, sleep: sleep}
}

// Publish makes every document what nginx serves from the next request on. A document
// refused (ErrNoSecondLeft, a bad path) leaves its folder as it was; the others go out.
func (p *Publisher) Publish(docs ...Document) error {
	var errs []error
	for _, d := range docs {
		errs = append(errs, p.publishOne(d))
	}
	return errors.Join(errs...)
}

// publishOne takes the lock, chooses the mtime and links. When the mtime wants the next
// second it lets go of the lock, waits, and chooses again: a publish never sleeps while
// it holds STATUS_DIR.
func (p *Publisher) publishOne(d Document) error {
	if err := nginx.CheckDoc(d.Path); err != nil {
		return err
	}
	if err := nginx.CheckType(d.Type); err != nil {
		return fmt.Errorf("publish %s: %w", d.Path, err)
	}
	for range 3 {
		wait, err := p.tryPublish(d)
		if err != nil && d.Copy != "" {
			// Named by its copy too: that is the file an operator looks for.
			return fmt.Errorf("publish %s (%s): %w", d.Path, d.Copy, err)
		}
		if err != nil || wait <= 0 {
			return err
		}
		p.sleep(wait)
	}
	return fmt.Errorf("publish %s: the clock did not reach the next second", d.Path)
}

func (p *Publisher) tryPublish(d Document) (wait time.Duration, err error) {
	unlock, err := p.lock()
	if err != nil {
		return 0, err
	}
	defer unlock()
	dir, err := p.docDir(d.Path, d.Type)
	if err != nil {
		return 0, err
	}
	mtime, wait, err := p.mtime(dir, d)
	if err != nil || wait > 0 {
		return wait, err
	}
	linked, err := p.link(dir, d, mtime)
	if err != nil && !linked {
		// The copy may say more than the names: never leave an older version served as
		// fresh. nginx asks the origin, or serves the stale copy, until a publish succeeds.
		err = errors.Join(err, prune(dir, nil))
	}
	return 0, err
}

// docDir makes the document's folder, refusing one that is not a plain folder: the
// publisher never writes, nor prunes, through a symlink planted in STATUS_DIR.
func (p *Publisher) docDir(doc, ext string) (string, error) { return p.realDir(doc, ext, true) }

// realDir is the folder of the document doc of type ext once checked to be a plain
// folder; a missing one is made when create is set, else the error is fs.ErrNotExist's.
func (p *Publisher) realDir(doc, ext string, create bool) (string, error) {
	dir := nginx.TypedDir(p.dir, doc, ext)
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) && create {
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("publish %s: %w", doc, err)
		}
		return p.realDir(doc, ext, false)
	}
	if err != nil {
		return "", fmt.Errorf("publish %s: %w", doc, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("publish %s: %s is not a folder (%s): not written through", doc, dir, fi.Mode().Type())
	}
	return dir, nil
}

// link makes the folder serve d with mtime. Each step is atomic, so that a crash between
// any two leaves every name pointing at a complete document (the old or the new):
//  0. the canonical copy (Copy) replaced with renameio;
//  1. a new inode written with its mtime set (Last-Modified, ETag and nginx's `expires
//     modified` follow it), as current.json;
//  2. each block name of the window still ahead linked to it by link-and-rename;
//  3. stale.json and last.json replaced;
//  4. names outside the new window removed, so that no coarser old name shadows a new one.
//
// linked says whether every name of the window now points at the new inode.
func (p *Publisher) link(dir string, d Document, mtime time.Time) (linked bool, err error) {
	if d.Copy != "" {
		if err := WriteCopy(p.dir, d.Copy, d.Body); err != nil {
			return false, err
		}
	}
	tmp, err := writeTemp(dir, d.Body, mtime)
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp) // the links keep the inode
	if err := linkOver(tmp, filepath.Join(dir, nginx.CurrentName)); err != nil {
		return false, err
	}
	from := max(d.From.Unix(), p.now().Unix()) // seconds already past need no name
	names := nginx.Cover(d.From.Unix(), from, d.Until.Unix())
	keep := make(map[string]bool, len(names))
	for _, n := range names {
		keep[n] = true
		if err := linkOver(tmp, filepath.Join(dir, n)); err != nil {
			return false, err
		}
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{nginx.StaleName, d.Stale}, {nginx.LastName, d.Last}} {
		if f.data == nil {
			continue
		}
		if err := replace(dir, f.name, f.data, mtime); err != nil {
			return true, err
		}
	}
	return true, prune(dir, keep)
}

// mtime is what Last-Modified will say, and with the size what nginx's ETag says. It
// keeps three rules, in this order of precedence:
//   - never past the window's end less the hint, so that max-age ends with the window;
//   - later than every mtime published before (current.json's is the high-water mark),
//     so that new bytes never get an old version's validators and a 304; the same bytes
//     of the same moment keep theirs;
//   - Modified, so that Last-Modified says when the content was made and max-age is a
//     full hint when it goes out; never ahead of the clock.
//
// A document that finds no second left gets ErrNoSecondLeft. The next second, when it is
// still ahead of the clock by at most a second, is waited for (wait above 0); a clock
// behind the high-water mark by more (stepped back, or a follower's behind the leader's)
// gets the mark's next second without waiting. A mark past the window's end was not set
// by a publish (touched by hand, or the clock stepped back a lot) and is ignored.
func (p *Publisher) mtime(dir string, d Document) (time.Time, time.Duration, error) {
	now := p.now()
	latest := d.Until.Add(-p.maxAge).Truncate(time.Second)
	want := d.Modified.Truncate(time.Second)
	if sec := now.Truncate(time.Second); want.After(sec) {
		want = sec
	}
	if want.After(latest) {
		want = latest
	}
	prev, fi, err := readFile(filepath.Join(dir, nginx.CurrentName))
	if err != nil {
		return want, 0, nil // nothing published before to tell apart from
	}
	hw := fi.ModTime().Truncate(time.Second)
	if hw.After(latest) || want.After(hw) {
		return want, 0, nil
	}
	if bytes.Equal(prev, d.Body) && !d.Modified.Truncate(time.Second).After(hw) {
		return hw, 0, nil // the same bytes keep their validators
	}
	next := hw.Add(time.Second)
	if next.After(latest) {
		return time.Time{}, 0, ErrNoSecondLeft
	}
	if wait := next.Sub(now); wait > 0 && wait <= time.Second {
		return time.Time{}, wait, nil
	}
	return next, 0, nil
}

// lock takes the STATUS_DIR lock for one publish or recovery.
func (p *Publisher) lock() (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(p.dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", p.dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", p.dir, err)
	}
	return func() { f.Close() }, nil // closing releases the lock
}

// Recover makes STATUS_DIR consistent after a crash, at start: it removes temp files
// everywhere, publishes docs anew (the documents the caller can vouch for, from what it
// keeps: their Copy, which is left untouched), and in every other document's folder
// removes the names whose seconds are past.
// A document in docs that cannot be published (ErrNoSecondLeft: a hint raised since, or
// the clock jumped) loses every name: nginx asks the origin or serves its stale copy
// until the next publish.
func (p *Publisher) Recover(docs ...Document) error {
	var errs []error
	unlock, err := p.lock()
	if err != nil {
		return err
	}
	now := p.now().Unix()
	err = filepath.WalkDir(p.dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := e.Name()
		switch {
		case e.IsDir():
			return nil
		case name[0] == '.' && name != lockName: // writeTemp's, linkOver's, renameio's
			errs = append(errs, os.Remove(path))
		case filepath.Dir(path) == filepath.Clean(p.dir) && nginx.IsBlockName(strings.TrimPrefix(name, "b")):
			// Names linked in STATUS_DIR itself before documents had folders (the
			// badge's with a "b"): nothing serves them now.
			errs = append(errs, os.Remove(path))
		case nginx.IsBlockName(name) && nginx.BlockEnd(name) <= now:
			errs = append(errs, os.Remove(path))
		}
		return nil
	})
	unlock()
	errs = append(errs, err)
	for _, d := range docs {
		d.Copy = "" // the caller read d from it: left as it is
		if err := p.publishOne(d); errors.Is(err, ErrNoSecondLeft) {
			errs = append(errs, p.Withdraw(d.Path))
		} else {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Withdraw removes every name of the documents at paths: nginx serves them from disk no
// more (their stale copy, the origin or their last copy answer) until the next publish.
func (p *Publisher) Withdraw(paths ...string) error {
	unlock, err := p.lock()
	if err != nil {
		return err
	}
	defer unlock()
	var errs []error
	for _, path := range paths {
		if err := nginx.CheckDoc(path); err != nil {
			errs = append(errs, err)
			continue
		}
		dir, err := p.realDir(path, "", false)
		if errors.Is(err, fs.ErrNotExist) {
			continue // nothing published: nothing to withdraw
		}
		errs = append(errs, err)
		if err == nil {
			errs = append(errs, prune(dir, nil))
		}
	}
	return errors.Join(errs...)
}

// Forget withdraws the documents at paths (Withdraw) and removes their last copies too:
// for documents found untrustworthy (a forged or tampered copy), which nginx must not
// serve even as the last known one. Their stale copies say nothing and stay.
func (p *Publisher) Forget(paths ...string) error {
	errs := []error{p.Withdraw(paths...)}
	for _, path := range paths {
		dir, err := p.realDir(path, "", false)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil {
			if err = os.Remove(filepath.Join(dir, nginx.LastName)); errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// prune removes every block name in dir not in keep.
func prune(dir string, keep map[string]bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if name := e.Name(); nginx.IsBlockName(name) && !keep[name] {
			errs = append(errs, os.RemoveAll(filepath.Join(dir, name)))
		}
	}
	return errors.Join(errs...)
}

// WriteCopy replaces dir/name atomically: renameio writes a temp file in dir itself (a
// rename is atomic only within one filesystem) and renames it over the old one, so
// readers see the old file or the new one, never a torn or empty one.
func WriteCopy(dir, name string, data []byte) error {
	path := filepath.Join(dir, name)
	// Static 0644 whatever the umask: nginx workers run as another user and must read it.
	if err := renameio.WriteFile(path, data, 0o644, renameio.WithTempDir(dir), renameio.WithStaticPermissions(0o644)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// replace writes name in dir atomically with mtime.
func replace(dir, name string, data []byte, mtime time.Time) error {
	tmp, err := writeTemp(dir, data, mtime)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("replace %s: %w", filepath.Join(dir, name), err)
	}
	return nil
}

// writeTemp writes data to a new file in dir, synced, world-readable (nginx workers run as
// another user) and with the given mtime.
func writeTemp(dir string, data []byte, mtime time.Time) (string, error) {
	f, err := os.CreateTemp(dir, ".tmp-")
	if err != nil {
		return "", err
	}
	name := f.Name()
	_, err = f.Write(data)
	err = errors.Join(err, f.Chmod(0o644), f.Sync(), f.Close())
	if err == nil {
		err = os.Chtimes(name, mtime, mtime)
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	return name, nil
}

// linkOver points dst at src's inode atomically: link to a temp name beside src, rename
// over dst (one filesystem, so the rename is atomic).
func linkOver(src, dst string) error {
	tmp := filepath.Join(filepath.Dir(src), ".link-"+filepath.Base(src))
	if err := os.Link(src, tmp); err != nil {
		return fmt.Errorf("link %s: %w", dst, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("link %s: %w", dst, err)
	}
	return nil
}

// ReadFile returns the file at path and its info. It reads only a regular file of at
// most MaxFileSize, never through a symlink: anything else in its place is an error that
// says what was found.
func ReadFile(path string) ([]byte, os.FileInfo, error) { return readFile(path) }

func readFile(path string) ([]byte, os.FileInfo, error) {
	// O_NONBLOCK: a FIFO planted in the file's place must not hang the reader.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, nil, fmt.Errorf("%s is a symlink: not read", path)
	}
	if err != nil {
		return nil, nil, err // *fs.PathError already names the path
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	switch {
	case fi.IsDir():
		return nil, fi, fmt.Errorf("%s is a directory, not a file", path)
	case !fi.Mode().IsRegular():
		return nil, fi, fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type())
	case fi.Size() > MaxFileSize:
		return nil, fi, fmt.Errorf("%s is %d bytes, over the %d a document may take: not read", path, fi.Size(), MaxFileSize)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fi, err
	}
	if len(b) > MaxFileSize {
		return nil, fi, fmt.Errorf("%s grew over %d bytes while read: not read", path, MaxFileSize)
	}
	return b, fi, nil
}

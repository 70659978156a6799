package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"time"
)

// LastName is the newest snapshot whatever its age, marked stale in its body: nginx's last
// resort when the origin is down.
const LastName = "last.json"

// lockName is the lock file that keeps two publishers on one STATUS_DIR (a `-once` beside
// the running snapshotter) from tidying away each other's temp files.
const lockName = ".publish.lock"

// blockFile matches the names Publish links (cover.go); nothing else in STATUS_DIR is pruned.
var blockFile = regexp.MustCompile(`^` + BadgePrefix + `?[0-9]-[0-9]+\.json$`)

// Publisher keeps STATUS_DIR: status.json (the canonical copy, for the origin, followers
// and people), one hard link per block of the fresh window, all to one inode, and
// last.json. It alone decides how long nginx serves a snapshot from disk: the names it
// links say for which seconds. The names sit in STATUS_DIR itself, nginx's root: with
// disable_symlinks nginx then checks every path component after the root (there is just
// the file) for the cost of one open, and no sub-folder can be swapped for a symlink.
type Publisher struct {
	dir    string
	maxAge time.Duration // MaxAge: what nginx adds to the mtime for max-age
	now    func() time.Time
}

// NewPublisher publishes into dir (STATUS_DIR) for an nginx rendered with maxAge as its
// max-age hint (MaxAge of the same intervals).
func NewPublisher(dir string, maxAge time.Duration, now func() time.Time) *Publisher {
	return &Publisher{dir: dir, maxAge: maxAge, now: now}
}

// MaxAge is the max-age hint nginx serves the files with, counted from their mtime
// (`expires modified`): the update interval, capped by the probe interval when the game
// server is probed (probeInterval above 0), so that no cache hides an online/offline flip
// for longer than one round. nginx's rendered files and the Publisher both take it from here.
func MaxAge(interval, probeInterval time.Duration) time.Duration {
	if probeInterval > 0 {
		return min(interval, probeInterval)
	}
	return interval
}

// ErrNoSecondLeft is Publish's refusal of new bytes for a snapshot already published
// with other bytes, when no second is left for their mtime: any mtime still free would
// give a max-age that outlives fresh_until. The snapshot is about to go stale; what is
// served stays as it was.
var ErrNoSecondLeft = errors.New("no second left before fresh_until for a new Last-Modified")

// Publish makes data, the encoding of s, what nginx serves from the next request on, for
// exactly the seconds of [s.UpdatedAt, s.FreshUntil) that are still ahead.
//
// Steps, each atomic, so that a crash between any two leaves every name pointing at a
// complete snapshot (the old or the new) and Recover can finish the job (the mtime is
// chosen before them; a refusal, ErrNoSecondLeft, changes nothing):
//  1. status.json and badge.json replaced with renameio;
//  2. new inodes (snapshot and badge) written with their mtime set (Last-Modified, ETag
//     and nginx's `expires modified` follow it);
//  3. each block name (snapshot and badge) linked by link-and-rename, then last.json
//     replaced;
//  4. names outside the new window removed, so that no coarser old name shadows a new one.
func (p *Publisher) Publish(data []byte, s Snapshot) error {
	unlock, err := p.lock()
	if err != nil {
		return err
	}
	defer unlock()
	// Chosen first: a refusal must leave status.json as it was too.
	mtime, err := p.mtime(data, s)
	if err != nil {
		return err
	}
	if err := WriteFile(p.dir, data); err != nil {
		return err
	}
	if err := writeNamed(p.dir, BadgeFileName, s.Badge()); err != nil {
		return err
	}
	return p.link(data, s, mtime)
}

// link does steps 2 to 4 of Publish for the snapshot status.json already holds.
func (p *Publisher) link(data []byte, s Snapshot, mtime time.Time) error {
	tmp, err := writeTemp(p.dir, data, mtime)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // the links keep the inode
	// The badge derives from the snapshot: its mtime moves whenever the snapshot's does.
	btmp, err := writeTemp(p.dir, s.Badge(), mtime)
	if err != nil {
		return err
	}
	defer os.Remove(btmp)

	from := max(s.UpdatedAt.Unix(), p.now().Unix()) // seconds already past need no name
	blocks := cover(from, s.FreshUntil.Unix(), s.UpdatedAt.Add(FineSpan).Unix())
	keep := make(map[string]bool, 2*len(blocks))
	for _, b := range blocks {
		keep[b.name()], keep[BadgePrefix+b.name()] = true, true
		if err := linkOver(tmp, filepath.Join(p.dir, b.name())); err != nil {
			return err
		}
		if err := linkOver(btmp, filepath.Join(p.dir, BadgePrefix+b.name())); err != nil {
			return err
		}
	}
	last, err := writeTemp(p.dir, MarkStale(data), mtime)
	if err != nil {
		return err
	}
	if err := os.Rename(last, filepath.Join(p.dir, LastName)); err != nil {
		os.Remove(last)
		return fmt.Errorf("replace %s: %w", LastName, err)
	}
	return p.prune(keep)
}

// mtime is what Last-Modified will say, and with the size what nginx's ETag says. It
// keeps three rules, in this order of precedence:
//   - never past fresh_until - maxAge, so that max-age ends by fresh_until;
//   - later than every mtime published before (last.json's is the high-water mark), so
//     that new bytes never get an old version's validators and a 304;
//   - as late as the clock allows: updated_at for a new database read, the current second
//     for a republish of the same read with other bytes (the game-server probe's round),
//     so that max-age is a full hint again, where an mtime lagging behind the clock would
//     make it "no-cache". A second publish within one second waits for the next (at most
//     1 s); a clock behind the high-water mark (stepped back, or a follower's behind the
//     leader's) gets the mark's next second without waiting.
//
// A republish that finds no second left gets ErrNoSecondLeft. A new read always gets one:
// it is far from its fresh_until. A last.json mtime past the window's end was not set by
// a publish (touched, or the clock stepped back a lot) and is ignored.
func (p *Publisher) mtime(data []byte, s Snapshot) (time.Time, error) {
	t := s.UpdatedAt.Truncate(time.Second)
	latest := s.FreshUntil.Add(-p.maxAge).Truncate(time.Second)
	prevData, fi, err := readFile(filepath.Join(p.dir, LastName))
	if err != nil {
		return t, nil // no usable previous publish: nothing to tell apart from
	}
	prev, err := Parse(prevData)
	if err != nil {
		return t, nil
	}
	hw, now := fi.ModTime().Truncate(time.Second), p.now()
	trusted := !hw.After(latest)
	want := t
	if prev.UpdatedAt.Equal(s.UpdatedAt) {
		if trusted && bytes.Equal(prevData, MarkStale(data)) {
			return hw, nil // the same bytes keep their validators
		}
		want = maxTime(t, minTime(now.Truncate(time.Second), latest))
	}
	if !trusted || want.After(hw) {
		return want, nil
	}
	next := hw.Add(time.Second)
	if next.After(latest) {
		if !prev.UpdatedAt.Equal(s.UpdatedAt) {
			return want, nil // a last.json set within the window by hand: the read goes out
		}
		return time.Time{}, ErrNoSecondLeft
	}
	if wait := next.Sub(now); wait > 0 && wait <= time.Second {
		time.Sleep(wait)
	}
	return next, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// lock takes the STATUS_DIR lock for one publish or recovery.
func (p *Publisher) lock() (unlock func(), err error) {
	// The error names status.json: that is what an operator will look for.
	path := filepath.Join(p.dir, FileName)
	f, err := os.OpenFile(filepath.Join(p.dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("write %s: lock: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: lock: %w", path, err)
	}
	return func() { f.Close() }, nil // closing releases the lock
}

// prune removes every block name not in keep.
func (p *Publisher) prune(keep map[string]bool) error {
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if name := e.Name(); blockFile.MatchString(name) && !keep[name] {
			errs = append(errs, os.RemoveAll(filepath.Join(p.dir, name)))
		}
	}
	return errors.Join(errs...)
}

// Recover makes STATUS_DIR consistent after a crash, at start: it removes temp files and
// links the window anew from status.json, leaving status.json itself untouched (or
// removes every name when status.json is missing or unreadable), so that nginx serves
// exactly what status.json says for as long as it is fresh.
func (p *Publisher) Recover() error {
	unlock, err := p.lock()
	if err != nil {
		return err
	}
	defer unlock()
	var errs []error
	for _, pattern := range []string{"." + FileName + "*", "." + BadgeFileName + "*", ".tmp-*", ".link-*"} { // renameio's, writeTemp's, linkOver's
		leftovers, _ := filepath.Glob(filepath.Join(p.dir, pattern))
		for _, f := range leftovers {
			errs = append(errs, os.Remove(f))
		}
	}
	data, _, err := ReadFile(p.dir)
	if err == nil {
		var s Snapshot
		if s, err = Parse(data); err == nil {
			var mtime time.Time
			if mtime, err = p.mtime(data, s); err == nil {
				return errors.Join(append(errs, p.link(data, s, mtime))...)
			}
			// ErrNoSecondLeft (a hint raised since, or the clock jumped): no mtime
			// gives status.json a max-age within fresh_until and new validators.
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	// Nothing trustworthy to serve from disk: nginx asks the origin until the next publish.
	return errors.Join(append(errs, err, p.prune(nil))...)
}

// ServedBadge returns the badge nginx serves at t: the first existing badge name in
// LookupOrder, else the stale badge.
func (p *Publisher) ServedBadge(t time.Time) ([]byte, error) {
	for _, level := range LookupOrder() {
		data, err := readLimited(filepath.Join(p.dir, BadgePrefix+blockAt(level, t.Unix()).name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		return data, err
	}
	return StaleBadge(), nil
}

// Served returns the snapshot bytes nginx serves from disk at t, as nginx finds them: the
// first existing name in LookupOrder. ok is false when nginx would ask the origin.
func (p *Publisher) Served(t time.Time) (data []byte, ok bool, err error) {
	for _, level := range LookupOrder() {
		data, err := readLimited(filepath.Join(p.dir, blockAt(level, t.Unix()).name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue // nginx moves on to the next level likewise
		}
		return data, err == nil, err
	}
	return nil, false, nil
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

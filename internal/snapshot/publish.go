package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The served tree, inside STATUS_DIR. nginx's root for the snapshot is STATUS_DIR/at.
const (
	// ServedDir holds one hard link per block of the fresh window (cover.go), all to one
	// inode, plus LastName; nothing else stays there.
	ServedDir = "at"
	// LastName is the newest snapshot whatever its age: nginx's last resort when the
	// origin is down, served marked stale.
	LastName = "last.json"
)

// Publisher keeps STATUS_DIR: status.json (the canonical copy, for the origin, followers
// and people) and the served tree nginx reads. It alone decides how long nginx serves a
// snapshot from disk: the names it links say for which seconds.
type Publisher struct {
	dir string
	now func() time.Time
}

// NewPublisher publishes into dir (STATUS_DIR).
func NewPublisher(dir string, now func() time.Time) *Publisher {
	return &Publisher{dir: dir, now: now}
}

// Publish makes data, the encoding of s, what nginx serves from the next request on, for
// exactly the seconds of [s.UpdatedAt, s.FreshUntil) that are still ahead; and s's badge
// likewise, under the same blocks with the badge prefix.
//
// Steps, each atomic, so that a crash between any two leaves every name pointing at a
// complete snapshot (the old or the new) and Recover can finish the job:
//  1. status.json and badge.json replaced with renameio;
//  2. new inodes written in the served tree with their mtime set (Last-Modified, ETag and
//     `expires modified` follow it);
//  3. each block name (snapshot and badge), then last.json, linked by link-and-rename;
//  4. names outside the new window removed, so that no coarser old name shadows a new one.
func (p *Publisher) Publish(data []byte, s Snapshot) error {
	badge := s.Badge()
	if err := WriteFile(p.dir, data); err != nil {
		return err
	}
	if err := writeNamed(p.dir, BadgeFileName, badge); err != nil {
		return err
	}
	served := filepath.Join(p.dir, ServedDir)
	if err := p.servedDir(); err != nil {
		return err
	}
	mtime, err := p.mtime(data, s)
	if err != nil {
		return err
	}
	tmp, err := writeTemp(served, data, mtime)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // the links keep the inode
	// The badge derives from the snapshot: the snapshot's mtime moves whenever it does.
	btmp, err := writeTemp(served, badge, mtime)
	if err != nil {
		return err
	}
	defer os.Remove(btmp)

	from := max(s.UpdatedAt.Unix(), p.now().Unix()) // seconds already past need no name
	blocks := cover(from, s.FreshUntil.Unix(), s.UpdatedAt.Add(FineSpan).Unix())
	keep := make(map[string]bool, 2*len(blocks))
	for _, b := range blocks {
		keep[b.name()], keep[badgePrefix+b.name()] = true, true
		if err := linkOver(tmp, filepath.Join(served, b.name())); err != nil {
			return err
		}
		if err := linkOver(btmp, filepath.Join(served, badgePrefix+b.name())); err != nil {
			return err
		}
	}
	if err := linkOver(tmp, filepath.Join(served, LastName)); err != nil {
		return err
	}
	return p.prune(keep)
}

// mtime is what Last-Modified will say: updated_at. A republish of the same database read
// with other bytes (the game-server probe's) moves it on by a second, because nginx's
// ETag is mtime-size and equal-sized new bytes would otherwise be answered 304.
func (p *Publisher) mtime(data []byte, s Snapshot) (time.Time, error) {
	t := s.UpdatedAt.Truncate(time.Second)
	last := filepath.Join(p.dir, ServedDir, LastName)
	fi, err := os.Lstat(last)
	if errors.Is(err, fs.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	prev := fi.ModTime().Truncate(time.Second)
	if prev.Before(t) || !fi.Mode().IsRegular() {
		return t, nil
	}
	old, err := readLimited(last)
	if err == nil && bytes.Equal(old, data) {
		return prev, nil
	}
	return prev.Add(time.Second), nil
}

// servedDir makes the served folder, refusing a symlink or a file in its place: nginx
// serves only what the publisher links.
func (p *Publisher) servedDir() error {
	served := filepath.Join(p.dir, ServedDir)
	if fi, err := os.Lstat(served); err == nil && !fi.IsDir() {
		return fmt.Errorf("%s is not a folder (%s): remove it", served, fi.Mode().Type())
	}
	return os.MkdirAll(served, 0o755)
}

// prune removes every block name not in keep, and anything else that is neither
// last.json nor a temp file (Recover removes those).
func (p *Publisher) prune(keep map[string]bool) error {
	served := filepath.Join(p.dir, ServedDir)
	entries, err := os.ReadDir(served)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if keep[name] || name == LastName || strings.HasPrefix(name, ".") {
			continue
		}
		errs = append(errs, os.RemoveAll(filepath.Join(served, name)))
	}
	return errors.Join(errs...)
}

// Recover makes STATUS_DIR consistent after a crash, at start: it removes temp files and
// links the served tree anew from status.json (or empties it when status.json is missing
// or unreadable), so that nginx serves exactly what status.json says for as long as it is fresh.
func (p *Publisher) Recover() error {
	var errs []error
	for _, pattern := range []string{
		filepath.Join(p.dir, "."+FileName+"*"), // renameio's temp files
		filepath.Join(p.dir, "."+BadgeFileName+"*"),
		filepath.Join(p.dir, ServedDir, ".tmp-*"), // writeTemp's
		filepath.Join(p.dir, ServedDir, ".link-*"),
	} {
		leftovers, _ := filepath.Glob(pattern)
		for _, f := range leftovers {
			errs = append(errs, os.Remove(f))
		}
	}
	if err := p.servedDir(); err != nil {
		return errors.Join(append(errs, err)...)
	}
	data, _, err := ReadFile(p.dir)
	if err == nil {
		var s Snapshot
		if s, err = Parse(data); err == nil {
			return errors.Join(append(errs, p.Publish(data, s))...)
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
		data, err := readLimited(filepath.Join(p.dir, ServedDir, badgePrefix+blockAt(level, t.Unix()).name()))
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
		name := filepath.Join(p.dir, ServedDir, blockAt(level, t.Unix()).name())
		data, err := readLimited(name)
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

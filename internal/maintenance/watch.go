package maintenance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Reread is how often a running program looks at the maintenance file: an edit (a window
// added, cut short or removed) is in force within it.
const Reread = time.Second

// FileWatch is the maintenance file as a running program knows it: read at start, and
// again whenever Check finds it changed, so that an edit takes effect without a restart.
// A file that turns bad or goes missing keeps the last good plan in force, and Err says
// why until the file is good again.
//
// Check looks at the file's modification time, size and inode once a pass, and reads it
// again when any moved or the modification is too recent to trust (a second write within
// the file system's clock tick leaves them all alike). Polling rather than a watcher
// (fsnotify): one stat a second costs nothing, and it sees every way a file is replaced
// (an editor's rename, a Kubernetes ConfigMap's symlink swap, a bind mount or NFS, where
// inotify hears nothing) without a folder to watch or a dependency.
type FileWatch struct {
	path   string
	worlds []string
	now    func() time.Time

	mu    sync.Mutex
	info  fs.FileInfo // the file at the last read; nil before one or while it is missing
	data  []byte      // its bytes at the last read
	plans map[string]Schedule
	err   error // why the file as it stands is not in force; nil when it is
}

// racy is how recent a modification must be for Check to read the file even when its
// modification time, size and inode have not moved.
const racy = 2 * time.Second

// WatchFile reads the maintenance file at path (LoadFile: an error at start is the
// caller's to stop on) and returns its watch. An empty path is no file: no windows, and
// Check does nothing.
func WatchFile(path string, worlds []string, now func() time.Time) (*FileWatch, error) {
	f := &FileWatch{path: path, worlds: worlds, now: now}
	if path == "" {
		f.plans = schedules(worlds)
		return f, nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fileErr(path, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fileErr(path, err)
	}
	if f.plans, err = ParseFile(path, data, worlds); err != nil {
		return nil, err
	}
	f.info, f.data = info, data
	return f, nil
}

// fileErr names the file once (a *fs.PathError would name it again).
func fileErr(path string, err error) error {
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s %s: %w", Env, path, err)
}

// Schedule is world's part of the plan in force; none for a nil watch.
func (f *FileWatch) Schedule(world string) Schedule {
	if f == nil {
		return Schedule{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.plans[world]
}

// Err is why the file as it stands is not in force (the last good plan is), or nil.
func (f *FileWatch) Err() error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// Check reads the file again if it changed. changed says that the plan in force or the
// reason it stands (Err) changed, so that a caller can say so once; err is then Err.
func (f *FileWatch) Check() (changed bool, err error) {
	if f == nil || f.path == "" {
		return false, nil
	}
	info, err := os.Stat(f.path)
	var data []byte
	if err == nil && f.moved(info) {
		data, err = os.ReadFile(f.path)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		err = fileErr(f.path, err)
		f.info, f.data = nil, nil
		return f.fail(err)
	}
	if data == nil || bytes.Equal(data, f.data) {
		f.info = info
		return false, f.err
	}
	f.info, f.data = info, data
	plans, err := ParseFile(f.path, data, f.worlds)
	if err != nil {
		return f.fail(err)
	}
	f.plans, f.err = plans, nil
	return true, nil
}

// fail records err as the reason the last good plan stands; changed when it is news.
func (f *FileWatch) fail(err error) (bool, error) {
	if f.err != nil && f.err.Error() == err.Error() {
		return false, f.err
	}
	f.err = err
	return true, err
}

// moved says whether the file at info may differ from the one last read.
func (f *FileWatch) moved(info fs.FileInfo) bool {
	f.mu.Lock()
	last := f.info
	f.mu.Unlock()
	return last == nil || !os.SameFile(last, info) || !last.ModTime().Equal(info.ModTime()) ||
		last.Size() != info.Size() || f.now().Sub(info.ModTime()) < racy
}

// Gauge is where Run says whether the file as it stands is refused (1) or in force (0):
// a Prometheus gauge.
type Gauge interface{ Set(float64) }

// Run checks the file every Reread until ctx ends, and says so once per change in log and
// refused: a new plan in force, or why the last good one stands.
func (f *FileWatch) Run(ctx context.Context, log *slog.Logger, refused Gauge) {
	if f == nil || f.path == "" {
		return
	}
	t := time.NewTicker(Reread)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := f.Check()
		switch {
		case !changed:
		case err != nil:
			refused.Set(1)
			log.Warn("maintenance file refused: the last good plan stays in force", "err", err)
		default:
			refused.Set(0)
			log.Info("maintenance file read again: its windows are in force")
		}
	}
}

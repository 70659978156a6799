package snapshot

import (
	"os"
	"path/filepath"

	"statusedge/internal/publish"
)

// WriteFile replaces dir/status.json atomically (publish.WriteCopy).
func WriteFile(dir string, data []byte) error { return publish.WriteCopy(dir, FileName, data) }

// ReadFile returns dir/status.json and its file info. It reads only a regular file of at
// most publish.MaxFileSize, never through a symlink: anything else in its place is an error that
// says what was found.
func ReadFile(dir string) ([]byte, os.FileInfo, error) {
	return publish.ReadFile(filepath.Join(dir, FileName))
}

// ReadFile returns the layout's status copy in dir (STATUS_DIR), as ReadFile does.
func (l Layout) ReadFile(dir string) ([]byte, os.FileInfo, error) {
	return publish.ReadFile(filepath.Join(dir, l.StatusFile))
}

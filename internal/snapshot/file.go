package snapshot

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"
)

// WriteFile replaces dir/status.json atomically: renameio writes a temp file in dir itself
// (a rename is atomic only within one filesystem) and renames it over the old one, so
// nginx serves the old file or the new one, never a torn or empty one.
func WriteFile(dir string, data []byte) error {
	path := filepath.Join(dir, FileName)
	// Static 0644 whatever the umask: nginx workers run as another user and must read it.
	if err := renameio.WriteFile(path, data, 0o644, renameio.WithTempDir(dir), renameio.WithStaticPermissions(0o644)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ReadFile returns dir/status.json and its modification time's info.
func ReadFile(dir string) ([]byte, os.FileInfo, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	b := make([]byte, fi.Size())
	if _, err := f.ReadAt(b, 0); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, fi, nil
}

package snapshot

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/google/renameio/v2"
)

// MaxFileSize bounds what is read back from STATUS_DIR: a snapshot is a few KB, and a
// file planted there must not make every reader allocate its size.
const MaxFileSize = 1 << 20

// WriteFile replaces dir/status.json atomically: renameio writes a temp file in dir itself
// (a rename is atomic only within one filesystem) and renames it over the old one, so
// readers see the old file or the new one, never a torn or empty one.
func WriteFile(dir string, data []byte) error { return writeNamed(dir, FileName, data) }

func writeNamed(dir, name string, data []byte) error {
	path := filepath.Join(dir, name)
	// Static 0644 whatever the umask: nginx workers run as another user and must read it.
	if err := renameio.WriteFile(path, data, 0o644, renameio.WithTempDir(dir), renameio.WithStaticPermissions(0o644)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ReadFile returns dir/status.json and its file info. It reads only a regular file of at
// most MaxFileSize, never through a symlink: anything else in its place is an error that
// says what was found.
func ReadFile(dir string) ([]byte, os.FileInfo, error) {
	return readFile(filepath.Join(dir, FileName))
}

func readLimited(path string) ([]byte, error) {
	b, _, err := readFile(path)
	return b, err
}

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
		return nil, fi, fmt.Errorf("%s is %d bytes, over the %d a snapshot may take: not read", path, fi.Size(), MaxFileSize)
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

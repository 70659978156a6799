// Package edgetest reads STATUS_DIR as nginx does, for tests: the lookup itself is nginx's,
// through the rendered files, and stays out of the programs.
package edgetest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"statusedge/nginx"
)

// Served returns what nginx serves from disk for the document doc at t, found as nginx
// finds it: the first of nginx.NamesAt that exists in the document's folder. ok is false
// when nginx would turn to the document's fallbacks (stale copy, origin, last copy).
// Tests only: the real lookup is nginx's, through the rendered files.
func Served(statusDir, doc string, t time.Time) (data []byte, ok bool, err error) {
	dir := nginx.DocDir(statusDir, doc)
	for _, name := range nginx.NamesAt(t.Unix()) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // nginx moves on to the next level likewise
		}
		return data, err == nil, err
	}
	return nil, false, nil
}

// ServedNames lists the block names in the document's folder: what the publisher linked.
func ServedNames(statusDir, doc string) ([]string, error) {
	entries, err := os.ReadDir(nginx.DocDir(statusDir, doc))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if nginx.IsBlockName(e.Name()) {
			names = append(names, filepath.Join(nginx.DocDir(statusDir, doc), e.Name()))
		}
	}
	return names, nil
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"statusedge/internal/harness/harnesstest"
)

// TestCommittedFilesAreRendered: the deploy files are the templates' output, not hand edits.
func TestCommittedFilesAreRendered(t *testing.T) {
	root := harnesstest.ModuleRoot(t)
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range files {
		got, err := os.ReadFile(filepath.Join(root, path))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not what nginx/ renders (%v): run `make deploy-configs`", path, err)
		}
	}
}

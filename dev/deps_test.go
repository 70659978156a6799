// Package dev_test checks the developer commands in dev/: localstack (`make run`), bench
// (`make bench`) and render (`make deploy-configs`), which a checkout runs and an operator
// never installs.
package dev_test

import (
	"os/exec"
	"path"
	"strings"
	"testing"

	"statusedge/internal/harness/harnesstest"
)

// TestProgramsLinkNoTestCode: the programs and the dev commands link no package meant for
// tests only (testing, httptest, harnesstest and their kind). Such packages register test
// flags and carry code the binaries have no use for; the harness keeps its testing.TB
// helpers in harnesstest for this reason, and this test keeps it so.
func TestProgramsLinkNoTestCode(t *testing.T) {
	root := harnesstest.ModuleRoot(t)
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}",
		"./snapshotter", "./origin", "./dev/...")
	cmd.Dir = root
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, std, _ := strings.Cut(line, " ")
		if testOnly(pkg, std == "true") {
			t.Errorf("%s is linked into a program or dev command; only tests may import it (`go list -deps` shows who)", pkg)
		}
	}
}

// testOnly reports whether a package exists only for tests: package testing and its
// subpackages, a _test package, and, in the standard library and this module, the
// ...test helpers by Go's naming (httptest, iotest, fstest; harnesstest). The runtime's
// own internal/synctest, which package time imports, is not one: no test imports it.
func testOnly(pkg string, std bool) bool {
	switch {
	case pkg == "testing", strings.HasPrefix(pkg, "testing/"), strings.HasSuffix(pkg, "_test"):
		return true
	case std && (strings.HasPrefix(pkg, "internal/") || strings.Contains(pkg, "/internal/")):
		return false
	case std || pkg == "statusedge" || strings.HasPrefix(pkg, "statusedge/"):
		return strings.HasSuffix(path.Base(pkg), "test")
	}
	return false
}

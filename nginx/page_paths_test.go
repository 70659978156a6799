package nginx_test

import (
	"strings"
	"testing"

	"statusedge/nginx"
)

// TestPagePathsAreTheContract: the status page is a static file (served as is, and
// mounted as is by the compose file), so it cannot import the contract's names; every
// document path it holds is checked here against the contract's, the paths' one owner.
// A path in the page that the contract does not name fails this test.
func TestPagePathsAreTheContract(t *testing.T) {
	page := string(nginx.Page())
	escaped := func(p string) string { return strings.ReplaceAll(p, "/", `\/`) }
	known := []string{
		`content="/` + nginx.StatusDoc + `"`,    // the endpoint: the one world's status
		`/\/` + escaped(nginx.StatusDoc) + `$/`, // the index is asked beside that endpoint only
		`"/` + nginx.WorldsDoc + `.json"`,       // the index of worlds
		`"/` + nginx.WorldsDoc + `/"`,           // a world's documents, when the index names none
	}
	rest := page
	for _, k := range known {
		if !strings.Contains(rest, k) {
			t.Errorf("the page no longer holds %s: update this test's list with the page", k)
		}
		rest = strings.ReplaceAll(rest, k, "")
	}
	for _, dir := range []string{nginx.ServerDocs, nginx.WorldsDoc} {
		for _, form := range []string{dir, escaped(dir)} {
			if i := strings.Index(rest, form); i >= 0 {
				t.Errorf("the page names %s where the contract does not: %q", form, rest[max(0, i-40):min(len(rest), i+60)])
			}
		}
	}
}

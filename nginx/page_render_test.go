package nginx_test

import (
	"os"
	"strings"
	"testing"

	"statusedge/nginx"
)

// TestPageRendersTheContractsPaths: the status page is a template; every document path it
// reads is the contract's, written in when the page is rendered, and the template itself
// names none (a renamed document changes the page with the contract, never behind it).
func TestPageRendersTheContractsPaths(t *testing.T) {
	tmpl, err := os.ReadFile("index.html.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	escaped := func(p string) string { return strings.ReplaceAll(p, "/", `\/`) }
	// "api" is every document path's first segment (DocPattern): no form of it in the template.
	for _, literal := range []string{"api", nginx.ServerDocs, nginx.WorldsDoc, escaped(nginx.ServerDocs), escaped(nginx.WorldsDoc)} {
		if i := strings.Index(string(tmpl), literal); i >= 0 {
			t.Errorf("the template names %q itself: %q", literal, tmpl[max(0, i-40):min(len(tmpl), i+60)])
		}
	}

	b, err := nginx.Page()
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	// Each path where the page's script reads it, built here from the contract's names.
	known := []string{
		`<meta name="statusedge-endpoint" content="/` + nginx.StatusDoc + `">`, // the one world's status
		`STATUS_PATH = "/` + nginx.StatusDoc + `"`,                             // the index is asked beside it only
		`INDEX_PATH = "/` + nginx.WorldsDoc + `.json"`,                         // the index of worlds
		`WORLD_DOCS = "/` + nginx.WorldsDoc + `/"`,                             // a world's documents, when the index names none
		`HISTORY_NAME = "/` + nginx.HistoryName + `.json"`,                     // beside a status document
		`PLAYERS_NAME = "/` + nginx.PlayersName + `.json"`,
	}
	rest := page
	for _, k := range known {
		if strings.Count(rest, k) != 1 {
			t.Errorf("the rendered page holds %s %d times, want once", k, strings.Count(rest, k))
		}
		rest = strings.ReplaceAll(rest, k, "")
	}
	if strings.Contains(rest, "{{") {
		t.Errorf("the rendered page holds an unrendered action")
	}
	for _, dir := range []string{nginx.ServerDocs, nginx.WorldsDoc} {
		for _, form := range []string{dir, escaped(dir)} {
			if i := strings.Index(rest, form); i >= 0 {
				t.Errorf("the page names %s outside the contract's places: %q", form, rest[max(0, i-40):min(len(rest), i+60)])
			}
		}
	}
}

package nginx

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// The edge contract: what the publisher writes into STATUS_DIR and what the rendered nginx
// files do with it. This package is its one owner; the publisher (internal/publish), the
// origin and the templates take every name and number from here.
//
// A document is a path such as "api/server/status": nginx serves /<doc>.json from the
// folder STATUS_DIR/api.server.status (DocDir), which holds
//   - <level>-<index>.json: the document, linked under the names of the seconds in which
//     it is fresh (names.go), with the mtime nginx serves as Last-Modified;
//   - stale.json (optional): what nginx serves past the window, as no-cache, instead of
//     asking the origin: for documents the origin cannot build;
//   - last.json (optional): the newest copy marked stale, nginx's answer when the origin
//     fails;
//   - current.json: the newest copy with the newest mtime, the publisher's own record
//     (never served: nginx asks only for block names, stale.json and last.json).
//
// A new document needs nothing here and nothing in the templates: publishing it is enough.

// The documents' folders: the one world's without a worlds file (ServerDocs), and the
// worlds' (WorldsDoc, itself the index of every world, /api/worlds.json; a world's
// documents are under WorldsDoc/<id>/). Every document path is built from these, the
// status page's included (rendered from index.html.tmpl with them: Page).
const (
	ServerDocs = "api/server"
	WorldsDoc  = "api/worlds"
)

// The documents of today and the public URLs that name them otherwise.
const (
	StatusDoc = ServerDocs + "/status"
	BadgeDoc  = ServerDocs + "/badge"
)

// The names of a world's history and players documents, beside its status document in
// its folder (ServerDocs or WorldsDoc/<id>): internal/snapshot's Layout builds its paths
// from these, and the status page asks them beside the status it reads.
const (
	HistoryName = "history"
	PlayersName = "players"
)

// UnresolvedDoc is Statuspage's list of unresolved incidents, which the widget reads for
// the ongoing incident's title. Its owner is internal/statuspage (UnresolvedPath), which
// this package cannot import (statuspage's tests import this one): the widget's tests
// check that the two agree.
const UnresolvedDoc = "api/v2/incidents/unresolved"

// DebugURL is the ops view of the status through nginx (the origin's /server/status/debug),
// beside the status: never cached, allowed to DebugAllow only.
const DebugURL = "/" + StatusDoc + "/debug"

// File names in a document's folder.
const (
	StaleName   = "stale.json"
	LastName    = "last.json"
	CurrentName = "current.json"
)

// PagesFolder is the folder of STATUS_DIR holding one small HTML page per incident and
// maintenance window, <id>.html, which nginx serves at /incidents/<id>: Statuspage's
// shortlinks (page URL + "/incidents/" + id) open it. An unknown id is nginx's 404.
const PagesFolder = "incidents"

// PageIDPattern is the regex of an id in /incidents/<id> (a component id, "-", its
// first minute or "m" and its window's start).
const PageIDPattern = `[A-Za-z0-9][A-Za-z0-9-]{0,63}`

var pageIDRE = regexp.MustCompile(`^` + PageIDPattern + `$`)

// CheckPageID refuses an id nginx would not serve a page for.
func CheckPageID(id string) error {
	if !pageIDRE.MatchString(id) {
		return fmt.Errorf("page id %q: want one matching %s", id, PageIDPattern)
	}
	return nil
}

// DocPattern is the regex of a document's path: "api" and one to six segments of [a-z0-9-].
// No dots, so no segment can climb out of STATUS_DIR, and no name can be a block name.
const DocPattern = `api(?:/[a-z0-9][a-z0-9-]{0,63}){1,6}`

var docRE = regexp.MustCompile(`^` + DocPattern + `$`)

// CheckDoc refuses a document path nginx would not serve.
func CheckDoc(doc string) error {
	if !docRE.MatchString(doc) {
		return fmt.Errorf("document %q: want a path matching %s", doc, DocPattern)
	}
	return nil
}

// DocDir is the document's folder in STATUS_DIR: one folder, its path with "." for "/"
// (api.server.status), so that nginx's symlink check opens two components per request,
// not one per segment. Segments hold no ".", so no two paths share a folder.
func DocDir(statusDir, doc string) string {
	return filepath.Join(statusDir, strings.ReplaceAll(doc, "/", "."))
}

// Type is a document's format: nginx serves a document of type Ext at /<doc>.<Ext> with
// ContentType. The block names in its folder stay <level>-<index>.json whatever the type
// (names.go): they are names nginx looks up, not formats; the location of the type says
// what they hold.
type Type struct{ Ext, ContentType string }

// JSON is the default type: a document with no type is JSON, in its folder DocDir.
const JSON = "json"

// Types are the documents' types, JSON first; the template renders a location for each
// other one from this list, so a type added here is served with nothing else to edit.
func Types() []Type {
	return []Type{
		{JSON, "application/json"},
		{"atom", "application/atom+xml"},
		{"rss", "application/rss+xml"},
	}
}

// typeSep joins a typed document's folder to its type: "~" is in no document path, so a
// typed folder (api.worlds.x1.history~atom) is never a JSON document's.
const typeSep = "~"

// CheckType refuses a type nginx has no location for; "" is JSON.
func CheckType(ext string) error {
	if ext == "" {
		return nil
	}
	for _, t := range Types() {
		if ext == t.Ext {
			return nil
		}
	}
	return fmt.Errorf("document type %q: want one of json, atom, rss (nginx.Types)", ext)
}

// TypedDir is the folder of the document doc of type ext in STATUS_DIR: DocDir for JSON
// ("" or "json"), DocDir + "~" + ext for the others.
func TypedDir(statusDir, doc, ext string) string {
	if ext == "" || ext == JSON {
		return DocDir(statusDir, doc)
	}
	return DocDir(statusDir, doc) + typeSep + ext
}

// FeedDoc is the feeds of every world: /history.atom and /history.rss (FeedAliases), as
// a Statuspage page serves them, and /api/history.<ext> by the generic rule.
const FeedDoc = "api/history"

// FeedAliases are the public URLs of FeedDoc's typed documents, by type.
func FeedAliases() []TypedAlias {
	return []TypedAlias{{"/history.atom", FeedDoc, "atom"}, {"/history.rss", FeedDoc, "rss"}}
}

// TypedAlias is a public URL naming a document of a type other than JSON.
type TypedAlias struct{ URL, Doc, Ext string }

// Alias is a public URL that names a document otherwise than /<doc>.json.
type Alias struct{ URL, Doc string }

// Aliases are the URLs of before documents: kept, byte for byte.
func Aliases() []Alias {
	return []Alias{{"/" + StatusDoc, StatusDoc}, {"/status.json", StatusDoc}}
}

// OriginCache is proxy_cache_valid of an origin answer: one second of nginx's clock,
// which counts whole seconds, so an answer is fresh in nginx's cache for up to 2 s.
const OriginCache = time.Second

// OriginRefresh bounds the one request that refreshes an expired origin answer while
// nginx serves the expired copy to the others (proxy_cache_use_stale updating): the
// public hop's 100 ms connect and 900 ms read timeouts to the shield. A failed refresh
// is kept as an error for OriginCache, so the copy is never served past one refresh.
const OriginRefresh = time.Second

// OriginHold is the longest nginx may serve one origin answer after the origin made it:
// two of nginx's whole seconds, then one refresh.
const OriginHold = 2*OriginCache + OriginRefresh

// FileCacheValid is how long nginx keeps a document's open file, or a failed lookup of
// one (open_file_cache_valid): the edge's ±1 s (docs/spec.md). A name withdrawn or
// replaced is served at most this long after; a new name is found at most this late.
// nginx counts it in whole seconds of its own clock, so 1 s is "until the second turns".
const FileCacheValid = time.Second

// FileCacheMax is how many open files and failed lookups each nginx worker keeps: a
// document tries up to 8 names (6 levels, stale.json, its folder) and a deployment of 50
// worlds publishes a few hundred documents; past it nginx drops the least recently used.
const FileCacheMax = 4096

// MaxAge is the max-age hint nginx serves documents with, counted from their mtime
// (`expires modified`): the update interval, capped by the probe interval when the game
// server is probed (probeInterval above 0), so that no cache hides an online/offline flip
// for longer than one round. The publisher keeps every mtime at least this before the
// document's window ends, so max-age never outlives it.
func MaxAge(interval, probeInterval time.Duration) time.Duration {
	if probeInterval > 0 {
		return min(interval, probeInterval)
	}
	return interval
}

// OriginMaxAge is the max-age of an origin answer whose snapshot is fresh for left more:
// never beyond the freshness less what nginx may hold it (OriginHold), never more than
// the TTL (a snapshot stamped ahead of the origin's clock), and at most one probe round
// when the game server is probed (probeInterval above 0).
func OriginMaxAge(left, ttl, probeInterval time.Duration) time.Duration {
	limit := ttl
	if probeInterval > 0 {
		limit = min(limit, probeInterval)
	}
	return max(0, (min(left, limit)/time.Second)*time.Second-OriginHold)
}

// OriginKeep says whether nginx may keep a fresh origin answer whose snapshot is fresh for
// left more: only when nginx's longest hold ends within the freshness, so that no copy
// nginx holds says "stale": false past fresh_until. The origin tells nginx with
// `X-Accel-Expires: 0` (OriginNoKeep) otherwise; stale answers are kept (they say so).
func OriginKeep(left time.Duration) bool { return left > OriginHold }

// OriginNoKeep is the header, and its value, by which the origin tells nginx not to keep
// an answer: nginx honours it (only Cache-Control and Expires are ignored).
const OriginNoKeep, OriginNoKeepValue = "X-Accel-Expires", "0"

// What the origin and nginx answer, as a JSON 503, when no snapshot can be read at all:
// never an invented status (spec: GET /api/server/status).
const (
	UnavailableMessage    = "status unavailable: no snapshot could be read, try again shortly"
	UnavailableRetryAfter = "10" // seconds, the Retry-After header
)

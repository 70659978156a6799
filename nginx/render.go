// Package nginx holds statusedge's nginx configuration and the status page, and renders
// them for the local stack, the tests and deployment from one source. The config needs
// stock nginx only: the snapshotter's file names tell nginx how long a snapshot is fresh.
package nginx

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"

	"statusedge/internal/config"
)

//go:embed site.conf.tmpl nginx.conf.tmpl index.html.tmpl widget.js.tmpl embed.html.tmpl
var files embed.FS

// Params are what differs between installs. Paths are absolute. No TTL: how long a
// snapshot is served from disk is the snapshotter's to say, through the names it links.
type Params struct {
	Listen     string // PUBLIC_ADDR
	ListenV6   string // a second listen, for the other address family; empty: none
	ServerName string // server_name; "_" matches any Host
	OriginAddr string // ORIGIN_ADDR
	StatusDir  string // STATUS_DIR, holding status.json and the names the snapshotter links
	PageDir    string // folder holding the status page's index.html
	CacheDir   string // proxy_cache_path for the origin's answers
	ShieldAddr string // loopback host:port of the rate-capped hop to the origin
	// Interval is the max-age hint of what nginx serves from disk: seconds from the file's
	// mtime (updated_at) to the next expected refresh, STATUS_UPDATE_INTERVAL.
	Interval int
	// ProbeInterval, when above 0, is STATUS_PROBE_INTERVAL of a snapshotter that probes
	// the game server (GAME_SERVER_ADDR set): the hint is then at most this, so that no
	// cache keeps an online/offline flip from a visitor for longer than one probe round.
	ProbeInterval int
	DebugAllow    []string // addresses or CIDRs allowed to read the debug endpoint; nil: Loopback
	// Origin shielding: the global rate (requests/s, with burst) that reaches the origin.
	// (nginx keeps an origin answer for the second it was fetched in, no longer.)
	OriginRate   int
	OriginBurst  int
	StaleIfError int // seconds a CDN may serve a stale copy when we fail

	// Standalone nginx.conf only.
	Prefix   string // nginx -p folder: pid and temp paths
	ErrorLog string
	Workers  string
}

// MaxAge is the max-age hint the rendered files serve documents with, counted from their
// mtime: MaxAge of the interval and the probe interval.
func (p Params) MaxAge() time.Duration {
	p = p.WithDefaults()
	return MaxAge(time.Duration(p.Interval)*time.Second, time.Duration(p.ProbeInterval)*time.Second)
}

// WithDefaults fills the shielding knobs and the debug list where they are unset.
func (p Params) WithDefaults() Params {
	if p.Interval == 0 {
		p.Interval = int(config.DefaultInterval / time.Second)
	}
	if p.OriginRate == 0 {
		p.OriginRate = 20
	}
	if p.OriginBurst == 0 {
		p.OriginBurst = 40
	}
	if p.StaleIfError == 0 {
		p.StaleIfError = 86400
	}
	if p.DebugAllow == nil {
		p.DebugAllow = Loopback() // private ranges only when asked for (DebugAllowEnv)
	}
	if p.Workers == "" {
		p.Workers = "auto"
	}
	if p.ServerName == "" {
		p.ServerName = "_"
	}
	if p.ErrorLog == "" {
		p.ErrorLog = "stderr"
	}
	return p
}

// levelMap is one `map $msec`: the current second cut to a block level.
type levelMap struct {
	Level int
	Regex string
}

// folderMap is one line of `map $status_doc $status_folder`: a path of n segments.
type folderMap struct{ Regex, Value string }

// errorPage is an error nginx answers itself, as JSON: Code is what nginx raised, Status
// what the visitor gets (494, nginx's own "header too large", is a 400 on the wire).
type errorPage struct {
	Code, Status int
	Message      string
}

// view is what the templates see: the params plus what the contract dictates.
type view struct {
	Params
	ListenAddrs []string // Listen, and ListenV6 where set
	MaxAge      int      // the max-age hint in force: Interval, capped by ProbeInterval
	OriginCache int      // seconds nginx keeps an origin answer: OriginCache
	// FileCacheValid and FileCacheMax: open_file_cache on the documents' disk path.
	FileCacheValid, FileCacheMax int
	DocPattern                   string  // the regex of a document's path (DocPattern)
	PageID                       string  // PageIDPattern, and PagesFolder: the incidents' pages' folder
	PagesFolder                  string  // in STATUS_DIR
	Aliases                      []Alias // the public URLs that name a document otherwise
	StaleName                    string  // a document's copy served past its window, when it has one
	LastName                     string  // a document's newest copy marked stale: the origin's last resort
	RetryAfter                   string  // on the JSON 503, as the origin's
	DebugURL                     string  // the ops view's public URL
	WidgetURL                    string  // the widget, from PageDir's WidgetFile
	WidgetFile                   string
	EmbedURL                     string // the page for iframes, from PageDir's EmbedFile
	EmbedFile                    string
	Lookup                       lookup // how nginx finds a document's name for this second
	AliasLookup                  lookup // the same for the aliases, whose documents the origin always knows
	LevelMaps                    []levelMap
	FolderMaps                   []folderMap
	// Typed are the locations of the types other than JSON (Types), and ContentTypes every
	// type's, for gzip and charset.
	Typed        []typedView
	ContentTypes string
	ErrorCodes   []errorPage
}

// lookup is how nginx finds a name for this second: the level that holds it nearly
// always (lookupOrder's first) by a rewrite, which opens the file once; the others in
// one try_files in Rest, where a miss costs a failed open (a hit there, at a
// window's edge or past FineSpan, costs one more open); then the fallbacks.
type lookup struct {
	First      int
	Others     []int
	Rest, Miss string // the named locations of the other levels and of the fallbacks
	Known      bool   // the document is known without its folder (an alias's)
	View       *view
	// ContentType, when set, is what the folder's names hold (a type other than JSON):
	// the lookup's locations map the names' .json to it.
	ContentType string
}

// typedView is one type other than JSON: its extension, its lookup and its aliases.
type typedView struct {
	Ext     string
	Lookup  lookup
	Aliases []TypedAlias
}

func newView(p Params) view {
	v := view{Params: p.WithDefaults(), DocPattern: DocPattern, PagesFolder: PagesFolder, PageID: PageIDPattern, Aliases: Aliases(),
		StaleName: StaleName, LastName: LastName, RetryAfter: UnavailableRetryAfter, DebugURL: DebugURL,
		WidgetURL: WidgetURL, WidgetFile: WidgetFile, EmbedURL: EmbedURL, EmbedFile: EmbedFile,
		OriginCache: int(OriginCache / time.Second), FileCacheValid: int(FileCacheValid / time.Second), FileCacheMax: FileCacheMax}
	v.ListenAddrs = []string{v.Listen}
	if v.ListenV6 != "" {
		v.ListenAddrs = append(v.ListenAddrs, v.ListenV6)
	}
	v.MaxAge = int(p.MaxAge() / time.Second)
	v.Lookup = lookup{First: lookupOrder[0], Others: lookupOrder[1:], Rest: "@doc_rest", Miss: "@doc_miss", View: &v}
	v.AliasLookup = lookup{First: lookupOrder[0], Others: lookupOrder[1:], Rest: "@alias_rest", Miss: "@alias_miss", Known: true, View: &v}
	var cts []string
	for _, t := range Types() {
		cts = append(cts, t.ContentType)
		if t.Ext == JSON {
			continue
		}
		tv := typedView{Ext: t.Ext, Lookup: lookup{First: lookupOrder[0], Others: lookupOrder[1:], Rest: "@" + t.Ext + "_rest",
			Miss: "@" + t.Ext + "_miss", View: &v, ContentType: t.ContentType}}
		for _, a := range FeedAliases() {
			if a.Ext == t.Ext {
				tv.Aliases = append(tv.Aliases, a)
			}
		}
		v.Typed = append(v.Typed, tv)
	}
	v.ContentTypes = strings.Join(cts, " ")
	for _, l := range slices.Sorted(slices.Values(lookupOrder[:])) {
		v.LevelMaps = append(v.LevelMaps, levelMap{l, fmt.Sprintf(`~^(\d+)\d{%d}\.`, l)})
	}
	// Likeliest first: a server document (3 segments), a world's (4), then the rest.
	for _, n := range []int{3, 4, 2, 5, 6, 7} {
		re, val := "~^([^/]+)", "$1"
		for i := 2; i <= n; i++ {
			re, val = re+"/([^/]+)", val+fmt.Sprintf(".$%d", i)
		}
		v.FolderMaps = append(v.FolderMaps, folderMap{re + "$", val})
	}
	v.ErrorCodes = []errorPage{
		{400, 400, "bad request"}, {403, 403, "forbidden"}, {404, 404, "not found"}, {405, 405, "method not allowed: use GET or HEAD"},
		{408, 408, "request timeout"}, {412, 412, "precondition failed"}, {413, 413, "request too large"},
		{414, 414, "URI too long"}, {429, 429, "too many requests"}, {494, 400, "request header too large"},
		{500, 500, "internal error"}, {501, 501, "not implemented"}, {502, 502, "upstream unavailable"},
		{503, 503, UnavailableMessage},
		{504, 504, "upstream timed out"}, {505, 505, "HTTP version not supported"},
	}
	return v
}

// Site renders the http-level site: a Debian sites-enabled file, or the body of a standalone config.
func Site(p Params) ([]byte, error) { return render("site", p) }

// Standalone renders a complete nginx.conf that runs unprivileged under nginx -p Prefix.
func Standalone(p Params) ([]byte, error) { return render("nginx.conf.tmpl", p) }

func render(name string, p Params) ([]byte, error) {
	t, err := template.ParseFS(files, "site.conf.tmpl", "nginx.conf.tmpl")
	if err != nil {
		return nil, fmt.Errorf("nginx templates: %w", err)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, newView(p)); err != nil {
		return nil, fmt.Errorf("render nginx %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// The files of PageDir, each rendered by one function of this package (Assets): the
// status page, the embeddable widget and the /embed page that holds it. nginx serves them
// at /, WidgetURL and EmbedURL.
const (
	PageFile   = "index.html"
	WidgetFile = "widget.js"
	EmbedFile  = "embed.html"
)

// The public URLs of the widget and of the page for iframes.
const (
	WidgetURL = "/" + WidgetFile
	EmbedURL  = "/embed"
)

// Assets are the files of PageDir by name, rendered.
func Assets() (map[string][]byte, error) {
	out := map[string][]byte{}
	for name, render := range map[string]func() ([]byte, error){PageFile: Page, WidgetFile: Widget, EmbedFile: Embed} {
		b, err := render()
		if err != nil {
			return nil, err
		}
		out[name] = b
	}
	return out, nil
}

// InstallAssets writes the status page, the widget and the /embed page into p.PageDir.
func InstallAssets(p Params) error {
	assets, err := Assets()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(p.PageDir, 0o755); err != nil {
		return err
	}
	for name, b := range assets {
		if err := os.WriteFile(filepath.Join(p.PageDir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// pageView is what the status page's template sees: the document paths it reads, as the
// contract names them, so that the page holds no path of its own (a renamed document
// cannot leave the page asking for the old one).
type pageView struct {
	Status    string // the one world's status, the page's default endpoint
	Index     string // the index of worlds, asked beside that endpoint
	WorldDocs string // the prefix of a world's documents, when the index names none
	History   string // a world's history document, beside its status: "/history.json"
	Players   string // a world's players document, beside its status: "/players.json"
}

// pagePaths are the document paths the rendered page holds.
func pagePaths() pageView {
	return pageView{Status: "/" + StatusDoc, Index: "/" + WorldsDoc + ".json", WorldDocs: "/" + WorldsDoc + "/",
		History: "/" + HistoryName + ".json", Players: "/" + PlayersName + ".json"}
}

// Page renders the status page (index.html.tmpl) with the contract's paths. It takes no
// Params: one page serves every install, so deployments mount one rendered copy.
func Page() ([]byte, error) {
	t, err := template.ParseFS(files, "index.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("status page template: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, pagePaths()); err != nil {
		return nil, fmt.Errorf("render status page: %w", err)
	}
	return b.Bytes(), nil
}

// widgetView is what the widget's template sees: the document paths it reads, relative to
// the folder its script is served from (a site behind a path prefix keeps working), as
// the contract names them.
type widgetView struct {
	Status     string // the one world's status
	WorldDocs  string // the prefix of a world's documents
	Unresolved string // the unresolved incidents (Statuspage's list)
}

// Widget renders the embeddable widget (widget.js.tmpl) with the contract's paths.
func Widget() ([]byte, error) {
	return renderAsset("widget.js.tmpl", widgetView{
		Status: StatusDoc + ".json", WorldDocs: WorldsDoc + "/", Unresolved: UnresolvedDoc + ".json",
	})
}

// Embed renders the /embed page (embed.html.tmpl): the widget alone, for an iframe.
func Embed() ([]byte, error) {
	return renderAsset("embed.html.tmpl", struct{ Widget string }{WidgetFile})
}

func renderAsset(name string, data any) ([]byte, error) {
	t, err := template.ParseFS(files, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// HostParams is the site for a Debian host: /etc/nginx/sites-enabled/statusedge.conf,
// included by Debian's own nginx.conf.
func HostParams() Params {
	return Params{
		Listen: "80", ListenV6: "[::]:80", ServerName: "status.example.com", OriginAddr: "127.0.0.1:8091",
		StatusDir: "/var/lib/statusedge/www", PageDir: "/usr/share/statusedge/www",
		CacheDir: "/var/lib/nginx/statusedge", ShieldAddr: "127.0.0.1:8093",
	}.WithDefaults()
}

// DockerParams is the standalone nginx.conf for the official nginx image in docker-compose.
// The debug endpoint answers only inside the container: with Docker's port publishing,
// outside clients can appear with a private address.
func DockerParams() Params {
	return Params{
		Listen: "8090", ListenV6: "[::]:8090", OriginAddr: "origin:8091",
		StatusDir: "/var/lib/statusedge/www", PageDir: "/usr/share/statusedge/www",
		CacheDir: "/var/cache/nginx/statusedge", ShieldAddr: "127.0.0.1:8093",
		DebugAllow: Loopback(),
		Prefix:     "/var/cache/nginx", ErrorLog: "stderr",
	}.WithDefaults()
}

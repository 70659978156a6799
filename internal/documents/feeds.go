package documents

import (
	"cmp"
	"slices"
	"time"

	"statusedge/internal/feed"
	"statusedge/internal/publish"
	"statusedge/internal/statuspage"
	"statusedge/nginx"
)

// feedFormat is a feed's type (nginx.Types) and how it is rendered.
type feedFormat struct {
	ext    string
	render func(statuspage.Input, feed.Meta) ([]byte, error)
}

func feedFormats() []feedFormat { return []feedFormat{{"atom", feed.Atom}, {"rss", feed.RSS}} }

// sendFeeds publishes in's Atom and RSS feeds as the documents path of type atom and
// rss, for [now, until), with a stale copy (no origin builds them). A feed's bytes never
// depend on the pass's time, so send writes it only when its content or window (stamp,
// for a window that does not simply follow the pass) changes.
func (h *Historian) sendFeeds(in statuspage.Input, path, title string, now, until time.Time, stamp []byte) {
	for _, f := range feedFormats() {
		body, err := f.render(in, feed.Meta{Title: title, Self: feedURL(in.Page.URL, path, f.ext)})
		if err != nil {
			h.log.Error("render a feed", "doc", path, "type", f.ext, "err", err)
			continue
		}
		h.send(publish.Document{Path: path, Type: f.ext, Body: body, From: now, Until: until, Modified: now, Stale: body},
			append(slices.Clip(body), stamp...))
	}
}

// feedURL is the public URL of the feed path of type ext under the page's URL: its
// alias (/history.atom) when it has one, else /<path>.<ext>.
func feedURL(pageURL, path, ext string) string {
	for _, a := range nginx.FeedAliases() {
		if a.Doc == path && a.Ext == ext {
			return pageURL + a.URL
		}
	}
	return pageURL + "/" + path + "." + ext
}

// worldFeedTitle is a world's feed's title: the page's name and the world's.
func worldFeedTitle(page statuspage.Page, w *World) string {
	if w.Layout.World == "" {
		return page.Name
	}
	return page.Name + " · " + cmp.Or(w.NameEN, w.Layout.World)
}

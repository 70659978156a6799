// Package feedtest reads Atom and RSS feeds for tests with encoding/xml alone, not with
// the library that wrote them, and refuses a feed that breaks the element rules of
// RFC 4287 (Atom 1.0) or RSS 2.0 that readers rely on: required elements, dates in
// RFC 3339 (Atom) and RFC 1123 with a numeric zone (RSS), ids unique, links absolute.
package feedtest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Entry is one entry (Atom) or item (RSS) as a reader sees it.
type Entry struct {
	ID, Link, Title, Summary string
	Updated                  time.Time // Atom: updated; RSS: pubDate
	Published                time.Time // Atom: published; zero in RSS
}

// Feed is a feed's own elements and its entries, in order.
type Feed struct {
	ID, Title, Link string // ID is Atom's only
	Updated         time.Time
	Entries         []Entry
}

const atomNS = "http://www.w3.org/2005/Atom"

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type atomPerson struct {
	Name []string `xml:"name"`
}

type atomEntry struct {
	ID        []string     `xml:"id"`
	Title     []atomText   `xml:"title"`
	Updated   []string     `xml:"updated"`
	Published []string     `xml:"published"`
	Links     []atomLink   `xml:"link"`
	Summary   []atomText   `xml:"summary"`
	Content   []atomText   `xml:"content"`
	Authors   []atomPerson `xml:"author"`
}

type atomFeed struct {
	XMLName xml.Name     `xml:"feed"`
	ID      []string     `xml:"id"`
	Title   []atomText   `xml:"title"`
	Updated []string     `xml:"updated"`
	Links   []atomLink   `xml:"link"`
	Authors []atomPerson `xml:"author"`
	Entries []atomEntry  `xml:"entry"`
}

// one is the single value of a required element that must occur exactly once.
func one[T any](what string, vs []T) (T, error) {
	var zero T
	if len(vs) != 1 {
		return zero, fmt.Errorf("%s: %d elements, want exactly one", what, len(vs))
	}
	return vs[0], nil
}

// absolute refuses a URL that is not an absolute http(s) URL.
func absolute(what, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s %q: not an absolute http(s) URL", what, s)
	}
	return nil
}

// rfc3339 parses an Atom date construct (RFC 4287 3.3: RFC 3339 date-time, upper-case T
// and Z).
func rfc3339(what, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || strings.ContainsAny(s, "tz ") {
		return time.Time{}, fmt.Errorf("%s %q: not an RFC 3339 date-time: %v", what, s, err)
	}
	return t, nil
}

// alternate is the one rel="alternate" link (rel absent means alternate, RFC 4287 4.2.7.2).
func alternate(what string, links []atomLink) (string, error) {
	var hrefs []string
	for _, l := range links {
		if l.Rel == "" || l.Rel == "alternate" {
			hrefs = append(hrefs, l.Href)
		}
	}
	h, err := one(what+" link rel=alternate", hrefs)
	if err != nil {
		return "", err
	}
	return h, absolute(what+" link", h)
}

// Atom reads an Atom 1.0 feed and checks RFC 4287's rules: the feed and each entry have
// exactly one id (an absolute IRI), title and updated (RFC 3339); the feed an author or
// every entry one; an entry without content an alternate link; an entry's published, if
// any, RFC 3339; no two entries one id. Every link must be absolute.
func Atom(body []byte) (Feed, error) {
	var f atomFeed
	if err := xml.Unmarshal(body, &f); err != nil {
		return Feed{}, fmt.Errorf("atom: %w", err)
	}
	if f.XMLName.Space != atomNS {
		return Feed{}, fmt.Errorf("atom: root <%s> in namespace %q, want <feed> in %q", f.XMLName.Local, f.XMLName.Space, atomNS)
	}
	var out Feed
	var errs []error
	check := func(err error) { errs = append(errs, err) }
	id, err := one("feed id", f.ID)
	check(err)
	check(absolute("feed id", id))
	title, err := one("feed title", f.Title)
	check(err)
	updated, err := one("feed updated", f.Updated)
	check(err)
	out.ID, out.Title = id, title.Text
	out.Updated, err = rfc3339("feed updated", updated)
	check(err)
	out.Link, err = alternate("feed", f.Links)
	check(err)
	seen := map[string]bool{}
	for i, e := range f.Entries {
		what := fmt.Sprintf("entry %d", i)
		var x Entry
		x.ID, err = one(what+" id", e.ID)
		check(err)
		check(absolute(what+" id", x.ID))
		if seen[x.ID] {
			check(fmt.Errorf("%s: id %q used twice", what, x.ID))
		}
		seen[x.ID] = true
		t, err := one(what+" title", e.Title)
		check(err)
		x.Title = t.Text
		u, err := one(what+" updated", e.Updated)
		check(err)
		x.Updated, err = rfc3339(what+" updated", u)
		check(err)
		if len(e.Published) > 0 {
			p, err := one(what+" published", e.Published)
			check(err)
			x.Published, err = rfc3339(what+" published", p)
			check(err)
		}
		if len(e.Content) == 0 || len(e.Links) > 0 {
			x.Link, err = alternate(what, e.Links)
			check(err)
		}
		if len(e.Summary) > 1 {
			check(fmt.Errorf("%s: %d summaries", what, len(e.Summary)))
		} else if len(e.Summary) == 1 {
			x.Summary = e.Summary[0].Text
		}
		if len(f.Authors) == 0 && len(e.Authors) == 0 {
			check(fmt.Errorf("%s: no author, and the feed has none (RFC 4287 4.1.1)", what))
		}
		out.Entries = append(out.Entries, x)
	}
	return out, errors.Join(errs...)
}

type rssGuid struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Text        string `xml:",chardata"`
}

type rssItem struct {
	Title       []string  `xml:"title"`
	Link        []string  `xml:"link"`
	Description []string  `xml:"description"`
	Guid        []rssGuid `xml:"guid"`
	PubDate     []string  `xml:"pubDate"`
}

type rssDoc struct {
	XMLName  xml.Name `xml:"rss"`
	Version  string   `xml:"version,attr"`
	Channels []struct {
		Title         []string  `xml:"title"`
		Link          []string  `xml:"link"`
		Description   []string  `xml:"description"`
		LastBuildDate []string  `xml:"lastBuildDate"`
		PubDate       []string  `xml:"pubDate"`
		Items         []rssItem `xml:"item"`
	} `xml:"channel"`
}

// rfc822 parses an RSS date (RFC 822, written as RFC 1123 with a numeric zone).
func rfc822(what, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC1123Z, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: not an RFC 1123 date with a numeric zone: %v", what, s, err)
	}
	return t, nil
}

// RSS reads an RSS 2.0 feed and checks its rules: <rss version="2.0"> with one channel
// holding one title, link (absolute) and description; lastBuildDate and pubDate, if any,
// RFC 1123Z; each item a title or a description, at most one of each element; a guid
// unique among the items, absolute when isPermaLink is not "false"; links absolute.
func RSS(body []byte) (Feed, error) {
	var d rssDoc
	if err := xml.Unmarshal(body, &d); err != nil {
		return Feed{}, fmt.Errorf("rss: %w", err)
	}
	if d.XMLName.Local != "rss" || d.Version != "2.0" {
		return Feed{}, fmt.Errorf("rss: root <%s version=%q>, want <rss version=\"2.0\">", d.XMLName.Local, d.Version)
	}
	c, err := one("channel", d.Channels)
	if err != nil {
		return Feed{}, err
	}
	var out Feed
	var errs []error
	check := func(err error) { errs = append(errs, err) }
	out.Title, err = one("channel title", c.Title)
	check(err)
	out.Link, err = one("channel link", c.Link)
	check(err)
	check(absolute("channel link", out.Link))
	_, err = one("channel description", c.Description)
	check(err)
	for _, dates := range [][]string{c.LastBuildDate, c.PubDate} {
		if len(dates) > 0 {
			s, err := one("channel date", dates)
			check(err)
			t, err := rfc822("channel date", s)
			check(err)
			if t.After(out.Updated) {
				out.Updated = t
			}
		}
	}
	seen := map[string]bool{}
	for i, it := range c.Items {
		what := fmt.Sprintf("item %d", i)
		var x Entry
		if len(it.Title) == 0 && len(it.Description) == 0 {
			check(fmt.Errorf("%s: neither title nor description", what))
		}
		for name, n := range map[string]int{"title": len(it.Title), "link": len(it.Link), "description": len(it.Description), "guid": len(it.Guid), "pubDate": len(it.PubDate)} {
			if n > 1 {
				check(fmt.Errorf("%s: %d <%s>", what, n, name))
			}
		}
		if len(it.Title) > 0 {
			x.Title = it.Title[0]
		}
		if len(it.Description) > 0 {
			x.Summary = it.Description[0]
		}
		if len(it.Link) > 0 {
			x.Link = it.Link[0]
			check(absolute(what+" link", x.Link))
		}
		g, err := one(what+" guid", it.Guid)
		check(err)
		x.ID = g.Text
		if g.IsPermaLink != "false" {
			check(absolute(what+" guid (a permalink)", x.ID))
		}
		if seen[x.ID] {
			check(fmt.Errorf("%s: guid %q used twice", what, x.ID))
		}
		seen[x.ID] = true
		if len(it.PubDate) > 0 {
			x.Updated, err = rfc822(what+" pubDate", it.PubDate[0])
			check(err)
		}
		out.Entries = append(out.Entries, x)
	}
	return out, errors.Join(errs...)
}

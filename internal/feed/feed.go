// Package feed renders the incidents and maintenance windows the Statuspage documents
// list (a statuspage.Input) as Atom and RSS feeds, with gorilla/feeds: one entry per
// incident and window, whose id and link are its page (statuspage.Incident.Link), so a
// reader follows it to the page nginx serves at /incidents/<id>. Pure: no I/O, no clock.
package feed

import (
	"cmp"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/feeds"

	"statusedge/internal/statuspage"
)

// Meta is what a feed says of itself.
type Meta struct {
	Title string
	// Self is the feed's own absolute URL: the Atom feed's id, unique to each feed.
	Self string
}

// Of is in with only the incidents and windows of component id: one world's feed.
func Of(in statuspage.Input, id string) statuspage.Input {
	out := statuspage.Input{Page: in.Page}
	for _, c := range in.Components {
		if c.ID == id {
			out.Components = append(out.Components, c)
		}
	}
	for _, inc := range in.Incidents {
		if slices.Contains(inc.Components, id) {
			out.Incidents = append(out.Incidents, inc)
		}
	}
	for _, m := range in.Maintenances {
		if slices.Contains(m.Components, id) {
			out.Maintenances = append(out.Maintenances, m)
		}
	}
	return out
}

// Atom is in as an Atom 1.0 feed (RFC 4287).
func Atom(in statuspage.Input, m Meta) ([]byte, error) {
	f := build(in, m)
	a := (&feeds.Atom{Feed: f}).AtomFeed()
	// gorilla/feeds takes the feed's id from its link, which is the status page for
	// every feed: the id must tell the all-worlds feed from a world's.
	a.Id = m.Self
	// RFC 4287 wants an author of the feed (or of every entry): the page. Not in RSS,
	// whose managingEditor is an email address, which there is none of.
	a.Author = &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: in.Page.Name}}
	// gorilla/feeds writes an entry's updated only; published (its start) is the
	// item's Created, set here. Entries are in the items' order.
	for i, e := range a.Entries {
		e.Published = f.Items[i].Created.Format(time.RFC3339)
	}
	return render(a, "atom")
}

// RSS is in as an RSS 2.0 feed.
func RSS(in statuspage.Input, m Meta) ([]byte, error) {
	return render(&feeds.Rss{Feed: build(in, m)}, "rss")
}

func render(x feeds.XmlFeed, kind string) ([]byte, error) {
	s, err := feeds.ToXML(x)
	if err != nil {
		return nil, fmt.Errorf("render the %s feed: %w", kind, err)
	}
	return []byte(s + "\n"), nil
}

// build is the feed of in: entries newest updated first (ties: by id, so that the bytes
// of one content never change), the feed's updated the newest entry's, else the page's.
// Nothing here depends on the time of the pass: the same content gives the same bytes,
// so the historian republishes a feed only when it changes.
func build(in statuspage.Input, m Meta) *feeds.Feed {
	f := &feeds.Feed{
		Title:       m.Title,
		Link:        &feeds.Link{Href: in.Page.URL, Rel: "alternate"},
		Description: "Incidents and maintenance of " + in.Page.Name,
		Updated:     in.Page.UpdatedAt.UTC(),
	}
	var items []*feeds.Item
	for _, inc := range in.Incidents {
		items = append(items, item(in.Page, inc, incidentSummary(inc)))
	}
	for _, mt := range in.Maintenances {
		items = append(items, item(in.Page, mt.Incident, maintenanceSummary(mt)))
	}
	slices.SortStableFunc(items, func(a, b *feeds.Item) int {
		return cmp.Or(b.Updated.Compare(a.Updated), strings.Compare(a.Id, b.Id))
	})
	if len(items) > 0 {
		f.Updated = items[0].Updated
	}
	f.Items = items
	return f
}

// item is one incident or window: its page is its id (never changes once published) and
// its link; created is its start (a window's: its creation), updated its last change.
func item(page statuspage.Page, inc statuspage.Incident, summary string) *feeds.Item {
	link := inc.Link(page)
	created := inc.CreatedAt
	if created.IsZero() {
		created = inc.StartedAt
	}
	return &feeds.Item{
		Title:       inc.Name,
		Link:        &feeds.Link{Href: link},
		Id:          link,
		IsPermaLink: "true",
		Created:     created.UTC(),
		Updated:     cmp.Or(inc.UpdatedAt, created).UTC(),
		Description: summary,
	}
}

// when is a time as the pages write it.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func incidentSummary(inc statuspage.Incident) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<p>Status: %s. Started %s", html.EscapeString(string(inc.Status)), when(cmp.Or(inc.StartedAt, inc.CreatedAt)))
	if inc.ResolvedAt != nil {
		fmt.Fprintf(&b, ", resolved %s", when(*inc.ResolvedAt))
	}
	b.WriteString(".</p>")
	updates(&b, inc.Updates)
	return b.String()
}

func maintenanceSummary(m statuspage.Maintenance) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<p>Maintenance, %s: %s – %s.</p>", html.EscapeString(string(m.Status)), when(m.ScheduledFor), when(m.ScheduledUntil))
	updates(&b, m.Updates)
	return b.String()
}

// updates lists an incident's updates, newest first, as the documents do.
func updates(b *strings.Builder, ups []statuspage.Update) {
	for _, u := range ups {
		fmt.Fprintf(b, "<p><b>%s</b> · %s<br>%s</p>", html.EscapeString(string(u.Status)), when(u.DisplayAt), html.EscapeString(u.Body))
	}
}

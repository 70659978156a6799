package feed_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"statusedge/internal/feed"
	"statusedge/internal/feed/feedtest"
	"statusedge/internal/statuspage"
)

// input is two worlds' incidents and windows as the Statuspage documents name them: an
// ongoing incident of eu with an operator's update (whose text would break HTML and XML
// if it were not escaped), a resolved one of us, eu's active window and us's upcoming one.
func input() statuspage.Input {
	at := time.Date(2026, 3, 10, 11, 30, 0, 0, time.UTC)
	end := at.Add(20 * time.Minute)
	page := statuspage.Page{ID: "statusedge", Name: "Game status", URL: "https://status.example.com", UpdatedAt: at.Add(time.Hour)}
	return statuspage.Input{
		Page:       page,
		Components: []statuspage.Component{{ID: "eu", Name: "Europe"}, {ID: "us", Name: "America"}},
		Incidents: []statuspage.Incident{
			{ID: "eu-20260310T1230Z", Name: "Login queue <stuck> & slow", Status: statuspage.Identified, CreatedAt: at.Add(time.Hour), StartedAt: at.Add(time.Hour),
				UpdatedAt: at.Add(70 * time.Minute), Components: []string{"eu"}, Updates: []statuspage.Update{
					{Status: statuspage.Identified, Body: "Restarting ]]> the <b>auth</b> service", DisplayAt: at.Add(70 * time.Minute)},
					{Status: statuspage.Investigating, Body: "Europe stopped answering.", DisplayAt: at.Add(time.Hour)}}},
			{ID: "us-20260310T1130Z", Name: "America is offline", Status: statuspage.Resolved, CreatedAt: at, StartedAt: at, UpdatedAt: end, ResolvedAt: &end,
				Components: []string{"us"}, Updates: []statuspage.Update{{Status: statuspage.Resolved, Body: "America is back online.", DisplayAt: end}}},
		},
		Maintenances: []statuspage.Maintenance{
			{Incident: statuspage.Incident{ID: "eu-m1773147600", Name: "Weekly restart", CreatedAt: at.Add(-time.Hour), UpdatedAt: at.Add(30 * time.Minute), Components: []string{"eu"}},
				ScheduledFor: at.Add(30 * time.Minute), ScheduledUntil: at.Add(3 * time.Hour), Status: statuspage.InProgress},
			{Incident: statuspage.Incident{ID: "us-m1773237600", Name: "Database upgrade", CreatedAt: at.Add(-2 * time.Hour), UpdatedAt: at.Add(-2 * time.Hour), Components: []string{"us"}},
				ScheduledFor: at.Add(24 * time.Hour), ScheduledUntil: at.Add(26 * time.Hour), Status: statuspage.Scheduled},
		},
	}
}

// TestFeedsParse: both feeds pass an independent reading of the Atom and RSS 2.0 rules,
// hold every incident and window once, newest update first, each with its page as id and
// link, its times, and its updates' text escaped (read back as written).
func TestFeedsParse(t *testing.T) {
	in := input()
	meta := feed.Meta{Title: "Game status", Self: "https://status.example.com/history.atom"}
	atom, err := feed.Atom(in, meta)
	if err != nil {
		t.Fatal(err)
	}
	rss, err := feed.RSS(in, meta)
	if err != nil {
		t.Fatal(err)
	}
	a, err := feedtest.Atom(atom)
	if err != nil {
		t.Fatalf("atom: %v\n%s", err, atom)
	}
	r, err := feedtest.RSS(rss)
	if err != nil {
		t.Fatalf("rss: %v\n%s", err, rss)
	}
	page := in.Page.URL + "/incidents/"
	wantIDs := []string{"eu-20260310T1230Z", "eu-m1773147600", "us-20260310T1130Z", "us-m1773237600"} // newest updated first
	wantUpdated := []time.Time{in.Incidents[0].UpdatedAt, in.Maintenances[0].UpdatedAt, in.Incidents[1].UpdatedAt, in.Maintenances[1].UpdatedAt}
	wantCreated := []time.Time{in.Incidents[0].CreatedAt, in.Maintenances[0].CreatedAt, in.Incidents[1].CreatedAt, in.Maintenances[1].CreatedAt}
	if a.ID != meta.Self || a.Link != in.Page.URL || !a.Updated.Equal(in.Incidents[0].UpdatedAt) || a.Title != meta.Title {
		t.Errorf("atom feed %q %q %v %q: want id %q, link %q, updated the newest entry's", a.ID, a.Link, a.Updated, a.Title, meta.Self, in.Page.URL)
	}
	if r.Link != in.Page.URL || !r.Updated.Equal(in.Incidents[0].UpdatedAt) {
		t.Errorf("rss channel link %q, lastBuildDate %v", r.Link, r.Updated)
	}
	for name, f := range map[string]feedtest.Feed{"atom": a, "rss": r} {
		if len(f.Entries) != len(wantIDs) {
			t.Fatalf("%s: %d entries, want %d", name, len(f.Entries), len(wantIDs))
		}
		for i, e := range f.Entries {
			if e.ID != page+wantIDs[i] || e.Link != e.ID {
				t.Errorf("%s entry %d: id %q link %q, want both %q", name, i, e.ID, e.Link, page+wantIDs[i])
			}
			want := wantUpdated[i] // Atom's updated
			if name == "rss" {
				want = wantCreated[i] // RSS's pubDate: when it began
			}
			if !e.Updated.Equal(want) {
				t.Errorf("%s entry %d: date %v, want %v", name, i, e.Updated, want)
			}
			if name == "atom" && !e.Published.Equal(wantCreated[i]) {
				t.Errorf("atom entry %d: published %v, want %v", i, e.Published, wantCreated[i])
			}
		}
		first := f.Entries[0]
		if first.Title != "Login queue <stuck> & slow" || !strings.Contains(first.Summary, "Restarting ]]&gt; the &lt;b&gt;auth&lt;/b&gt; service") ||
			!strings.Contains(first.Summary, "Europe stopped answering.") {
			t.Errorf("%s: the first entry %+v: want its title and both updates, escaped once as HTML", name, first)
		}
		if w := f.Entries[1]; w.Title != "Weekly restart" || !strings.Contains(w.Summary, "2026-03-10 12:00 UTC – 2026-03-10 14:30 UTC") {
			t.Errorf("%s: the active window %+v: want its message and its times", name, w)
		}
	}
	// The same content is the same bytes: nothing of the time of rendering is in them.
	again, err := feed.Atom(input(), meta)
	if err != nil || !bytes.Equal(again, atom) {
		t.Errorf("a second rendering differs (%v)", err)
	}
}

// TestFeedOfAWorld: a world's feed holds its incidents and windows only, and its id is
// its own URL, not the page's.
func TestFeedOfAWorld(t *testing.T) {
	self := "https://status.example.com/api/worlds/us/history.atom"
	b, err := feed.Atom(feed.Of(input(), "us"), feed.Meta{Title: "Game status · America", Self: self})
	if err != nil {
		t.Fatal(err)
	}
	f, err := feedtest.Atom(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	var ids []string
	for _, e := range f.Entries {
		ids = append(ids, strings.TrimPrefix(e.ID, "https://status.example.com/incidents/"))
	}
	if strings.Join(ids, " ") != "us-20260310T1130Z us-m1773237600" || f.ID != self {
		t.Errorf("us's feed %q with entries %v, want %q with us's two", f.ID, ids, self)
	}
	// No entry at all: still a valid feed, updated as the page.
	empty := input()
	empty.Incidents, empty.Maintenances = nil, nil
	for name, render := range map[string]func(statuspage.Input, feed.Meta) ([]byte, error){"atom": feed.Atom, "rss": feed.RSS} {
		b, err := render(empty, feed.Meta{Title: "t", Self: self})
		if err != nil {
			t.Fatal(err)
		}
		parse := map[string]func([]byte) (feedtest.Feed, error){"atom": feedtest.Atom, "rss": feedtest.RSS}[name]
		if f, err := parse(b); err != nil || len(f.Entries) != 0 || !f.Updated.Equal(empty.Page.UpdatedAt) {
			t.Errorf("%s without entries: %+v, %v\n%s", name, f, err, b)
		}
	}
}

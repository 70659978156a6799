package documents

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"statusedge/internal/feed/feedtest"
	"statusedge/internal/history"
	"statusedge/internal/maintenance"
	"statusedge/internal/publish"
	"statusedge/internal/snapshot"
	"statusedge/internal/statuspage"
	"statusedge/internal/worldstate"
	"statusedge/nginx"
)

// record is a world's minutes and notes, as Redis would give them (a fake: the store
// itself is tested against Redis in internal/history).
type record struct {
	cells []history.State
	notes map[string]history.Note
}

func (r *record) Minutes(context.Context, time.Time, time.Time) ([]history.State, error) {
	return r.cells, nil
}
func (r *record) Notes(context.Context) (map[string]history.Note, error) { return r.notes, nil }
func (r *record) Flips(context.Context) ([]history.Flip, error)          { return nil, nil }

// outage is a record of up minutes from Start(now) to now with a run of down minutes
// from ago to ago-for, and the id of the incident it makes.
func outage(now time.Time, ago, lasted time.Duration) *record {
	start := history.Start(now)
	n := int(now.Sub(start)/time.Minute) + 1
	cells := make([]history.State, n)
	from := int(now.Add(-ago).Sub(start) / time.Minute)
	for i := range cells {
		cells[i] = history.Up
		if i >= from && i < from+int(lasted/time.Minute) {
			cells[i] = history.Down
		}
	}
	return &record{cells: cells, notes: map[string]history.Note{}}
}

// outageID is the ID of outage(now, ago, …)'s incident: its first minute.
func outageID(now time.Time, ago time.Duration) string {
	start := history.Start(now)
	from := int(now.Add(-ago).Sub(start) / time.Minute)
	return start.Add(time.Duration(from) * time.Minute).Format(history.IDLayout)
}

// served is a document's current copy: what nginx serves, and its mtime.
type served struct {
	body []byte
	mod  time.Time
}

// readDoc is what nginx serves of the document doc of type ext: its current copy.
func readDoc(t *testing.T, dir, doc, ext string) served {
	t.Helper()
	b, fi, err := publish.ReadFile(filepath.Join(nginx.TypedDir(dir, doc, ext), nginx.CurrentName))
	if err != nil {
		t.Fatal(err)
	}
	return served{b, fi.ModTime()}
}

// TestFeedsCarryTheHistory: in one historian pass, each world's feeds and the feeds of
// all worlds hold exactly the incidents (with the operator's title and updates) and the
// maintenance windows (active and upcoming) of the history documents published in the
// same pass, each entry linking to its incident's page; a pass with the same content
// writes no feed again, and an operator's new update changes them at the next pass.
func TestFeedsCarryTheHistory(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 30, 0, time.UTC)
	clock := now
	dir := t.TempDir()
	pub := publish.New(dir, 10*time.Second, func() time.Time { return clock }, func(d time.Duration) { clock = clock.Add(d) })
	page := statuspage.Page{ID: "statusedge", Name: "Game status", URL: "https://status.example.com", TimeZone: "Etc/UTC"}
	h := NewHistorian(pub, 900*time.Second, time.Second, page, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.now = func() time.Time { return clock }

	eu, euInc := outage(now, 3*time.Hour, 20*time.Minute), outageID(now, 3*time.Hour)
	eu.notes[euInc] = history.Note{Title: &maintenance.Text{EN: "Login server crash", RU: "Сбой сервера входа"},
		Updates: []history.Update{{At: now.Add(-3*time.Hour + 5*time.Minute), Message: maintenance.Text{EN: "Restarting <auth>", RU: "Перезапуск"}}}}
	us := outage(now, 50*time.Minute, 10*time.Minute)
	snap := &snapshot.Snapshot{Online: true, Status: snapshot.StatusOnline, UpdatedAt: now, CheckedAt: now, FreshUntil: now.Add(5 * time.Minute)}
	active := maintenance.Window{From: now.Add(-10 * time.Minute), Until: now.Add(time.Hour), Message: maintenance.Text{EN: "Weekly restart"}, Created: now.Add(-time.Hour)}
	next := maintenance.Window{From: now.Add(5 * time.Hour), Until: now.Add(6 * time.Hour), Message: maintenance.Text{EN: "Database upgrade"}, Created: now.Add(-time.Hour)}
	plans := map[string]worldstate.Plan{"eu": {Command: []maintenance.Window{next}}, "us": {Command: []maintenance.Window{active}}}
	for _, w := range []struct {
		id, name string
		rec      *record
	}{{"eu", "Europe", eu}, {"us", "America", us}} {
		h.worlds = append(h.worlds, World{Layout: snapshot.WorldLayout(w.id), NameEN: w.name, Copy: &copyOf{snap}, Record: w.rec,
			Plan: func() worldstate.Plan { return plans[w.id] }, Log: h.log})
	}
	if !h.publish(context.Background()) {
		t.Fatal("the pass did not publish the Statuspage documents")
	}

	// Each world: its history document, and its feeds hold what it says.
	var all []string // every world's entries, for the feeds of all worlds
	for _, w := range h.worlds {
		l := w.Layout
		body := readDoc(t, dir, l.HistoryDoc, "").body
		var doc history.Document
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		var windows []maintenance.Window
		if doc.Maintenance.Active != nil {
			windows = append(windows, *doc.Maintenance.Active)
		}
		windows = append(windows, doc.Maintenance.Upcoming...)
		if len(doc.Incidents) != 1 || len(windows) != 1 {
			t.Fatalf("%s's history: %d incidents, %d windows; the test wants one of each", l.World, len(doc.Incidents), len(windows))
		}
		for _, ext := range []string{"atom", "rss"} {
			b := readDoc(t, dir, l.HistoryDoc, ext).body
			f, err := map[string]func([]byte) (feedtest.Feed, error){"atom": feedtest.Atom, "rss": feedtest.RSS}[ext](b)
			if err != nil {
				t.Fatalf("%s's %s feed: %v\n%s", l.World, ext, err, b)
			}
			if ext == "atom" && f.ID != page.URL+"/"+l.HistoryDoc+".atom" {
				t.Errorf("%s's atom feed id %q, want its own URL", l.World, f.ID)
			}
			var got []string
			for _, e := range f.Entries {
				got = append(got, e.ID)
				if e.Link != e.ID || !strings.HasPrefix(e.ID, page.URL+"/"+nginx.PagesFolder+"/"+l.World+"-") {
					t.Errorf("%s's %s entry %q links %q: want its page under %s", l.World, ext, e.ID, e.Link, page.URL)
				}
			}
			var want []string
			for _, inc := range doc.Incidents {
				id := page.URL + "/incidents/" + l.World + "-" + inc.ID
				want = append(want, id)
				i := slices.Index(got, id)
				if i < 0 {
					t.Errorf("%s's %s feed: no entry %s for incident %s: %v", l.World, ext, id, inc.ID, got)
					continue
				}
				e := f.Entries[i]
				title := w.NameEN + " is offline" // the world's name: no operator's title
				if inc.Title != nil {
					title = inc.Title.EN
				}
				if e.Title != title {
					t.Errorf("%s's %s feed: incident %s titled %q, want %q", l.World, ext, inc.ID, e.Title, title)
				}
				for _, u := range inc.Updates {
					if !strings.Contains(e.Summary, strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(u.Message.EN)) {
						t.Errorf("%s's %s feed: the incident's summary %q lacks the update %q", l.World, ext, e.Summary, u.Message.EN)
					}
				}
			}
			for _, win := range windows {
				id := page.URL + "/incidents/" + l.World + "-m" + strconv.FormatInt(win.From.Unix(), 10)
				want = append(want, id)
				i := slices.Index(got, id)
				if i < 0 || f.Entries[i].Title != win.Message.EN {
					t.Errorf("%s's %s feed: no entry %s titled %q: %v", l.World, ext, id, win.Message.EN, got)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s's %s feed: entries %v, want the history's %v", l.World, ext, got, want)
			}
			if ext == "atom" {
				all = append(all, want...)
			}
		}
	}
	for _, ext := range []string{"atom", "rss"} {
		b := readDoc(t, dir, nginx.FeedDoc, ext).body
		f, err := map[string]func([]byte) (feedtest.Feed, error){"atom": feedtest.Atom, "rss": feedtest.RSS}[ext](b)
		if err != nil {
			t.Fatalf("the %s feed of all worlds: %v", ext, err)
		}
		var got []string
		for _, e := range f.Entries {
			got = append(got, e.ID)
		}
		slices.Sort(got)
		slices.Sort(all)
		if !slices.Equal(got, all) {
			t.Errorf("the %s feed of all worlds: %v, want every world's %v", ext, got, all)
		}
		if ext == "atom" && f.ID != page.URL+"/history.atom" {
			t.Errorf("the atom feed of all worlds: id %q", f.ID)
		}
	}

	// The same content a pass later: no feed written again (its mtime stands).
	euAtom := readDoc(t, dir, "api/worlds/eu/history", "atom").mod
	allRSS := readDoc(t, dir, nginx.FeedDoc, "rss").mod
	clock = clock.Add(10 * time.Second)
	h.publish(context.Background())
	if m := readDoc(t, dir, "api/worlds/eu/history", "atom").mod; !m.Equal(euAtom) {
		t.Errorf("eu's feed written again with the same content: mtime %v, was %v", m, euAtom)
	}
	if m := readDoc(t, dir, nginx.FeedDoc, "rss").mod; !m.Equal(allRSS) {
		t.Errorf("the feed of all worlds written again with the same content: mtime %v, was %v", m, allRSS)
	}
	// An operator's update: the next pass carries it.
	n := eu.notes[euInc]
	n.Updates = append(n.Updates, history.Update{At: now.Add(-2 * time.Hour), Message: maintenance.Text{EN: "Fixed for good"}})
	eu.notes[euInc] = n
	clock = clock.Add(10 * time.Second)
	h.publish(context.Background())
	for _, doc := range []string{"api/worlds/eu/history", nginx.FeedDoc} {
		d := readDoc(t, dir, doc, "atom")
		if !strings.Contains(string(d.body), "Fixed for good") || !d.mod.After(euAtom) {
			t.Errorf("%s's feed after the update (mtime %v):\n%s", doc, d.mod, d.body)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "api.worlds.us.history~rss", nginx.StaleName)); err != nil {
		t.Errorf("a world's feed has no stale copy: %v", err)
	}
}

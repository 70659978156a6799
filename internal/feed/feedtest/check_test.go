package feedtest

import (
	"strings"
	"testing"
)

// TestRefusesBrokenFeeds: the checker is not a yes-sayer: each broken rule is refused,
// naming it, and the well-formed feed it was broken from passes.
func TestRefusesBrokenFeeds(t *testing.T) {
	const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><id>https://s/history.atom</id><title>t</title>` +
		`<updated>2026-03-10T12:40:00Z</updated><link href="https://s" rel="alternate"/><author><name>a</name></author>` +
		`<entry><id>https://s/incidents/a</id><title>a</title><updated>2026-03-10T12:40:00Z</updated><link href="https://s/incidents/a"/></entry>` +
		`<entry><id>https://s/incidents/b</id><title>b</title><updated>2026-03-10T12:41:00Z</updated><link href="https://s/incidents/b"/></entry></feed>`
	const rss = `<rss version="2.0"><channel><title>t</title><link>https://s</link><description>d</description>` +
		`<lastBuildDate>Tue, 10 Mar 2026 12:40:00 +0000</lastBuildDate>` +
		`<item><title>a</title><link>https://s/incidents/a</link><guid>https://s/incidents/a</guid><pubDate>Tue, 10 Mar 2026 12:30:00 +0000</pubDate></item>` +
		`<item><title>b</title><link>https://s/incidents/b</link><guid>https://s/incidents/b</guid></item></channel></rss>`
	if _, err := Atom([]byte(atom)); err != nil {
		t.Fatalf("the good atom feed: %v", err)
	}
	if _, err := RSS([]byte(rss)); err != nil {
		t.Fatalf("the good rss feed: %v", err)
	}
	for _, tt := range []struct {
		what, feed, old, new, want string
	}{
		{"atom: a second id", atom, "https://s/incidents/b", "https://s/incidents/a", "used twice"},
		{"atom: a relative link", atom, `<link href="https://s/incidents/a"/>`, `<link href="/incidents/a"/>`, "absolute"},
		{"atom: no entry link, no content", atom, `<link href="https://s/incidents/a"/>`, ``, "link rel=alternate"},
		{"atom: a date not RFC 3339", atom, "<updated>2026-03-10T12:41:00Z</updated>", "<updated>Tue, 10 Mar 2026 12:41:00 +0000</updated>", "RFC 3339"},
		{"atom: no feed updated", atom, "<updated>2026-03-10T12:40:00Z</updated><link", "<link", "feed updated"},
		{"atom: no author", atom, "<author><name>a</name></author>", "", "no author"},
		{"atom: another namespace", atom, "http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#", "namespace"},
		{"rss: a second guid", rss, "<guid>https://s/incidents/b</guid>", "<guid>https://s/incidents/a</guid>", "used twice"},
		{"rss: a date not RFC 1123Z", rss, "Tue, 10 Mar 2026 12:30:00 +0000", "2026-03-10T12:30:00Z", "RFC 1123"},
		{"rss: no description", rss, "<description>d</description>", "", "channel description"},
		{"rss: version 0.91", rss, `version="2.0"`, `version="0.91"`, "version"},
		{"rss: a relative link", rss, "<link>https://s/incidents/a</link>", "<link>/incidents/a</link>", "absolute"},
	} {
		broken := strings.Replace(tt.feed, tt.old, tt.new, 1)
		if broken == tt.feed {
			t.Fatalf("%s: nothing replaced", tt.what)
		}
		parse := Atom
		if strings.HasPrefix(tt.what, "rss") {
			parse = RSS
		}
		if _, err := parse([]byte(broken)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error saying %q", tt.what, err, tt.want)
		}
	}
}

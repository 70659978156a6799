package statuspage

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestPagesOnePerShortlink: a page for every incident and maintenance (the ids their
// shortlinks name), in English and Russian, and an operator's text escaped, never markup.
func TestPagesOnePerShortlink(t *testing.T) {
	in := situations()[2].in // maintenance: an incident, a window in progress, one announced, one done
	in.Incidents[0].Updates = append(in.Incidents[0].Updates, Update{ID: "x", Status: Identified,
		Body: `<script>alert(1)</script>`, BodyRU: "Причина найдена", CreatedAt: at(9, 0), DisplayAt: at(9, 0)})
	in.Incidents[0].NameRU = "Авария"
	pages := Pages(in)
	var want []string
	for _, inc := range in.Incidents {
		want = append(want, inc.ID)
	}
	for _, m := range in.Maintenances {
		want = append(want, m.ID)
	}
	if got := slices.Sorted(maps.Keys(pages)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Fatalf("pages %v, want one per incident and window %v", got, want)
	}
	page := string(pages[in.Incidents[0].ID])
	for _, s := range []string{`lang="en"`, `lang="ru"`, "Авария", "Причина найдена", "&lt;script&gt;", in.Incidents[0].Name} {
		if !strings.Contains(page, s) {
			t.Errorf("the incident's page lacks %q:\n%s", s, page)
		}
	}
	if strings.Contains(page, "<script>") {
		t.Errorf("an operator's text is markup on the page:\n%s", page)
	}
	if m := string(pages["m-20261202T0930Z"]); !strings.Contains(m, "Scheduled: 2026-12-02 09:30:00 UTC – 2026-12-02 11:00:00 UTC") || !strings.Contains(m, "идут работы") {
		t.Errorf("the window's page lacks its span or status:\n%s", m)
	}
}

package nginx_test

import (
	"strconv"
	"testing"
	"time"

	"statusedge/internal/history"
	"statusedge/internal/snapshot"
)

// TestStatusPageBoundedHistory: the history document of 90 days of a server flapping
// every minute lists only the newest incidents in full and counts the rest; the page
// shows its ten newest (the ongoing one first) and how many of all 64,800 it leaves out.
func TestStatusPageBoundedHistory(t *testing.T) {
	now := time.Now()
	cells := make([]history.State, int(now.Truncate(time.Minute).Sub(history.Start(now))/time.Minute)+1)
	for i := range cells {
		cells[i] = history.State(2 - (len(cells)-1-i)%2) // ..., down, up, down: now's minute down
	}
	h := history.Build("", now, cells, nil, nil, nil)
	if h.IncidentsOmitted == 0 {
		t.Fatalf("%d incidents listed of %d: the document is not bounded", len(h.Incidents), h.IncidentsTotal)
	}
	site := singleSite(t, worldSnap(time.Minute, false, 0, snapshot.Rates{Exp: 1, PvP: 1, PvE: 1, ColorMob: 1, Skill: 1}), "offline", nil, nil, &h)
	tab := browser(t, "en-US")
	openAt(t, tab, site.url+"/", 1280, "offline")
	if n := eval[int](t, tab, `document.querySelectorAll("main .incident").length`); n != 10 {
		t.Errorf("%d incidents shown, want the ten newest", n)
	}
	if got := eval[string](t, tab, `document.querySelector("main .incident").dataset.ongoing`); got != "true" {
		t.Errorf("the first incident shown ongoing = %q, want the ongoing one", got)
	}
	want := strconv.Itoa(h.IncidentsTotal-10) + " earlier incidents not shown"
	if got := seen(t, tab, "main .more"); got != want {
		t.Errorf("more = %q, want %q", got, want)
	}
}

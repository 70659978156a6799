package stack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/harness/stack"
	"statusedge/internal/statuspage"
)

// A comparable document says "up", "down", something else ("maintenance", "stale",
// "degraded_performance"...), or "absent" (not published yet).
const (
	up     = "up"
	down   = "down"
	absent = "absent"
)

// comparable is a document a reader can hold against the world's status, and what it says.
type comparable struct {
	name string
	path string
	says func(body []byte) (string, error)
}

// comparables are the documents of world id that say whether it is up: its status and
// badge, its index entry, the Statuspage component and indicators, and the unresolved
// incidents.
func comparables(id string) []comparable {
	word := func(online, offline string) func(string) string {
		return func(s string) string {
			switch s {
			case online:
				return up
			case offline:
				return down
			}
			return s
		}
	}
	indicator := func(s string) string {
		switch s {
		case "none":
			return up
		case "major", "critical":
			return down // the one world out: every component major_outage, critical
		}
		return s
	}
	return []comparable{
		{"status", "/api/worlds/" + id + "/status.json", jsonSays(func(v struct{ Status string }) string { return word("online", "offline")(v.Status) })},
		{"badge", "/api/worlds/" + id + "/badge.json", jsonSays(func(v struct{ Message string }) string { return word("online", "offline")(v.Message) })},
		{"index", "/api/worlds.json", jsonSays(func(v struct{ Worlds []struct{ ID, Status string } }) string {
			for _, w := range v.Worlds {
				if w.ID == id {
					return word("online", "offline")(w.Status)
				}
			}
			return "missing"
		})},
		{"summary component", "/" + statuspage.SummaryPath + ".json", jsonSays(func(v struct{ Components []struct{ Status string } }) string {
			if len(v.Components) != 1 {
				return fmt.Sprintf("%d components", len(v.Components))
			}
			return word("operational", "major_outage")(v.Components[0].Status)
		})},
		{"summary indicator", "/" + statuspage.SummaryPath + ".json", jsonSays(func(v struct{ Status struct{ Indicator string } }) string { return indicator(v.Status.Indicator) })},
		{"v2 status", "/" + statuspage.StatusPath + ".json", jsonSays(func(v struct{ Status struct{ Indicator string } }) string { return indicator(v.Status.Indicator) })},
		{"unresolved", "/" + statuspage.UnresolvedPath + ".json", jsonSays(func(v struct{ Incidents []json.RawMessage }) string {
			if len(v.Incidents) == 0 {
				return up
			}
			return down
		})},
	}
}

func jsonSays[T any](say func(T) string) func([]byte) (string, error) {
	return func(b []byte) (string, error) {
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return "", fmt.Errorf("%w: %s", err, b)
		}
		return say(v), nil
	}
}

// sample is what one document said at one moment.
type sample struct {
	at   time.Time
	says string
}

// watch polls every document through nginx every 100 ms until the returned stop is
// called, and returns what each said, by name, oldest first. A failed request fails the
// test.
func watch(t *testing.T, base string, docs []comparable) (stop func() map[string][]sample) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	out := map[string][]sample{}
	var wg sync.WaitGroup
	for _, d := range docs {
		wg.Go(func() {
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				sent := time.Now()
				resp, body, took, err := harnesstest.Send(c, http.MethodGet, base+d.path, nil)
				// The answer is the document at some moment of the request: its middle.
				s := sample{at: sent.Add(took / 2)}
				switch {
				case err != nil:
					t.Errorf("GET %s: %v", d.path, err)
					return
				case resp.StatusCode == http.StatusNotFound:
					s.says = absent
				case resp.StatusCode != http.StatusOK:
					t.Errorf("GET %s: %s", d.path, resp.Status)
					return
				default:
					if s.says, err = d.says(body); err != nil {
						t.Errorf("%s: %v", d.path, err)
						return
					}
				}
				mu.Lock()
				out[d.name] = append(out[d.name], s)
				mu.Unlock()
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		})
	}
	return func() map[string][]sample {
		cancel()
		wg.Wait()
		return out
	}
}

// settled is the index of the sample from which every sample in (from, to) says want,
// the first of them being after from; -1 when the last one before to does not say it.
// (A document that lagged a whole event behind says want at first, from the event before.)
func settled(ss []sample, from, to time.Time, want string) int {
	k := -1
	for i, s := range ss {
		if !s.at.After(from) || !s.at.Before(to) {
			continue
		}
		switch {
		case s.says != want:
			k = -1
		case k < 0:
			k = i
		}
	}
	return k
}

// oneWorld starts the stack (without its snapshotter unless running) with one world,
// "w1", probing game with a 1-s probe and 2 failures.
func oneWorld(t *testing.T, game *harness.GameServer, running bool) *stack.Stack {
	t.Helper()
	seed := harnesstest.DemoSeed(t)
	file := filepath.Join(t.TempDir(), "worlds.yml")
	worlds := fmt.Sprintf("worlds:\n  - id: w1\n    name: {en: \"World 1\", ru: \"Мир 1\"}\n    database: {schema: tz_w1}\n    game_server: {addr: [\"%s\"]}\n", game.Addr)
	if err := os.WriteFile(file, []byte(worlds), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := stack.Start(context.Background(), stack.Config{Dir: t.TempDir(), Bin: built(t), Interval: 600, TTL: 900,
		Schemas: []stack.Schema{{Name: "tz_w1", Seed: seed}}, Snapshotter: running,
		Env: map[string]string{"STATUS_WORLDS_FILE": file, "STATUS_PROBE_INTERVAL": "1", "STATUS_PROBE_FAILURES": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	t.Cleanup(func() {
		if t.Failed() && s.Snapshotter != nil {
			t.Logf("snapshotter log:\n%s", s.Logs("snapshotter"))
		}
	})
	return s
}

// TestDocumentsChangeTogether: the game server closes for 10 s and reopens for 10 s, five
// times, under a 1-s probe with 2 failures. Every comparable document says the new state
// within 4 s of the close or the reopening, and all of them within 1.5 s of each other;
// the five outages are five incidents, each resolved.
func TestDocumentsChangeTogether(t *testing.T) {
	t.Parallel()
	game := harnesstest.GameServer(t, true)
	s := oneWorld(t, game, true)
	docs := comparables("w1")
	allSay := func(want string) {
		t.Helper()
		c := &http.Client{Timeout: 2 * time.Second}
		harnesstest.Eventually(t, 30*time.Second, harnesstest.Every(200*time.Millisecond, "every document "+want), func(context.Context) error {
			for _, d := range docs {
				resp, body, _, err := harnesstest.Send(c, http.MethodGet, s.PublicURL()+d.path, nil)
				if err != nil {
					return err
				}
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("GET %s: %s", d.path, resp.Status)
				}
				if says, err := d.says(body); err != nil || says != want {
					return fmt.Errorf("%s says %q (%v), want %q", d.name, says, err, want)
				}
			}
			return nil
		})
	}
	allSay(up)
	stop := watch(t, s.PublicURL(), docs)
	type event struct {
		at   time.Time
		want string
	}
	var events []event
	for range 5 {
		game.Close()
		events = append(events, event{time.Now(), down})
		// The scenario's own pace: the game server stays closed, then open, 10 s.
		time.Sleep(10 * time.Second)
		if err := game.Open(); err != nil {
			t.Fatal(err)
		}
		events = append(events, event{time.Now(), up})
		time.Sleep(10 * time.Second)
	}
	said := stop()
	if t.Failed() {
		return
	}

	var lags []time.Duration
	var table strings.Builder
	fmt.Fprintf(&table, "%-8s %-5s", "event", "want")
	for _, d := range docs {
		fmt.Fprintf(&table, " %18s", d.name)
	}
	table.WriteString("   spread\n")
	for i, e := range events {
		end := time.Now()
		if i+1 < len(events) {
			end = events[i+1].at
		}
		fmt.Fprintf(&table, "%-8d %-5s", i+1, e.want)
		var first, last time.Time
		for _, d := range docs {
			k := settled(said[d.name], e.at, end, e.want)
			if k < 0 {
				t.Errorf("event %d (%s at %s): %s did not say it to the next event", i+1, e.want, e.at.Format(time.TimeOnly), d.name)
				fmt.Fprintf(&table, " %18s", "never")
				continue
			}
			at := said[d.name][k].at
			lag := at.Sub(e.at)
			lags = append(lags, lag)
			fmt.Fprintf(&table, " %18s", lag.Round(10*time.Millisecond))
			if lag > 4*time.Second {
				t.Errorf("event %d (%s): %s said it %v after, want within 4 s", i+1, e.want, d.name, lag.Round(time.Millisecond))
			}
			if first.IsZero() || at.Before(first) {
				first = at
			}
			if at.After(last) {
				last = at
			}
		}
		fmt.Fprintf(&table, " %8s\n", last.Sub(first).Round(10*time.Millisecond))
		if last.Sub(first) > 1500*time.Millisecond {
			t.Errorf("event %d (%s): the documents said it %v apart, want within 1.5 s", i+1, e.want, last.Sub(first).Round(time.Millisecond))
		}
	}
	slices.Sort(lags)
	if len(lags) > 0 {
		t.Logf("lag after the close or reopening (1-s probe, 2 failures), median %v, worst %v:\n%s",
			lags[len(lags)/2].Round(10*time.Millisecond), lags[len(lags)-1].Round(10*time.Millisecond), table.String())
	}

	var incs struct {
		Incidents []struct {
			ID         string
			Status     string
			ResolvedAt *time.Time `json:"resolved_at"`
		}
	}
	c := &http.Client{Timeout: 2 * time.Second}
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(200*time.Millisecond, "five resolved incidents"), func(context.Context) error {
		resp, body, _, err := harnesstest.Send(c, http.MethodGet, s.PublicURL()+"/"+statuspage.IncidentsPath+".json", nil)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET incidents.json: %s", resp.Status)
		}
		if err := json.Unmarshal(body, &incs); err != nil {
			return err
		}
		if len(incs.Incidents) != 5 {
			return fmt.Errorf("%d incidents, want 5: %s", len(incs.Incidents), body)
		}
		for _, inc := range incs.Incidents {
			if inc.Status != "resolved" || inc.ResolvedAt == nil {
				return fmt.Errorf("incident %s is %s, want resolved: %s", inc.ID, inc.Status, body)
			}
		}
		return nil
	})
}

// TestNothingFalseAtStart: from the snapshotter's start until the first minute is
// recorded, no document says anything but what the status says once it says online
// (no degraded, unknown or major while status.json says online); before, a document not
// yet published is absent, never another word.
func TestNothingFalseAtStart(t *testing.T) {
	t.Parallel()
	game := harnesstest.GameServer(t, true)
	s := oneWorld(t, game, false)
	docs := comparables("w1")
	stop := watch(t, s.PublicURL(), docs)
	if err := s.StartSnapshotter(); err != nil {
		stop()
		t.Fatal(err)
	}
	// Until the first minute is in the record, and every document has said online.
	var said map[string][]sample
	c := &http.Client{Timeout: 2 * time.Second}
	harnesstest.Eventually(t, 30*time.Second, harnesstest.Every(200*time.Millisecond, "the first recorded minute"), func(context.Context) error {
		resp, body, _, err := harnesstest.Send(c, http.MethodGet, s.PublicURL()+"/api/worlds/w1/history.json", nil)
		if err != nil {
			return err
		}
		var doc struct {
			Coverage struct {
				H24 float64 `json:"24h"`
			}
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET history.json: %s", resp.Status)
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			return err
		}
		if doc.Coverage.H24 == 0 {
			return fmt.Errorf("no minute recorded yet")
		}
		return nil
	})
	harnesstest.Eventually(t, 10*time.Second, harnesstest.Every(200*time.Millisecond, "every document online"), func(context.Context) error {
		for _, d := range docs {
			resp, body, _, err := harnesstest.Send(c, http.MethodGet, s.PublicURL()+d.path, nil)
			if err != nil {
				return err
			}
			if says, err := d.says(body); resp.StatusCode != http.StatusOK || err != nil || says != up {
				return fmt.Errorf("%s: %s %q (%v)", d.name, resp.Status, says, err)
			}
		}
		return nil
	})
	said = stop()
	online := time.Time{} // the first sample of status.json saying online
	for _, s := range said["status"] {
		if s.says != absent && s.says != up {
			t.Errorf("status.json said %q at %s: the game server never closed", s.says, s.at.Format(time.StampMilli))
		}
		if s.says == up && online.IsZero() {
			online = s.at
		}
	}
	if online.IsZero() {
		t.Fatal("status.json never said online")
	}
	n := 0
	for _, d := range docs {
		for _, s := range said[d.name] {
			n++
			if s.at.After(online) && s.says != up && s.says != absent {
				t.Errorf("%s said %q at %s, while status.json said online (since %s)", d.name, s.says, s.at.Format(time.StampMilli), online.Format(time.StampMilli))
			}
		}
	}
	t.Logf("%d samples from start to the first recorded minute; status online from %s", n, online.Format(time.StampMilli))
}

package documents

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"statusedge/internal/publish"
	"statusedge/internal/samples"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// copyOf is a status copy that says s (nil: none yet).
type copyOf struct{ s *snapshot.Snapshot }

func (c *copyOf) Current() (*snapshot.Snapshot, []byte) { return c.s, nil }

// TestIndexBody: each world's entry says what its status copy says, null before its
// first snapshot, in the given order of worlds, with its own document URLs.
func TestIndexBody(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	players := int64(42)
	up := &snapshot.Snapshot{Online: true, Status: snapshot.StatusOnline, Players: &players,
		UpdatedAt: at, FreshUntil: at.Add(30 * time.Second), CheckedAt: at.Add(-time.Second)}
	x := &Index{worlds: []World{
		{Layout: snapshot.WorldLayout("eu"), NameEN: "Europe", NameRU: "Европа", Copy: &copyOf{up}},
		{Layout: snapshot.WorldLayout("us"), NameEN: "America", NameRU: "Америка", Copy: &copyOf{}},
	}}
	var got struct {
		Worlds []map[string]any `json:"worlds"`
	}
	if err := json.Unmarshal(x.body(at), &got); err != nil {
		t.Fatalf("decode the index: %v", err)
	}
	if len(got.Worlds) != 2 {
		t.Fatalf("worlds = %d, want 2", len(got.Worlds))
	}
	eu, us := got.Worlds[0], got.Worlds[1]
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"eu id", eu["id"], "eu"},
		{"eu name", eu["name"], map[string]any{"en": "Europe", "ru": "Европа"}},
		{"eu online", eu["online"], true},
		{"eu status", eu["status"], "online"},
		{"eu players", eu["players"], 42.0},
		{"eu fresh_until", eu["fresh_until"], "2025-03-01T12:00:30Z"},
		{"eu checked_at", eu["checked_at"], "2025-03-01T11:59:59Z"},
		{"eu status_url", eu["status_url"], snapshot.WorldLayout("eu").StatusURL()},
		{"eu history_url", eu["history_url"], snapshot.WorldLayout("eu").HistoryURL()},
		{"us id", us["id"], "us"},
		{"us online", us["online"], nil},
		{"us status", us["status"], nil},
		{"us updated_at", us["updated_at"], nil},
	} {
		if !jsonEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if !x.any() {
		t.Error("any() = false with eu's copy in place")
	}
	x.worlds[0].Copy = &copyOf{}
	if x.any() {
		t.Error("any() = true with no copy in place")
	}
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// TestIndexPlayers (issue 30): a current count travels with its time and the 24-h peak;
// past fresh_until no count is presented as current: null, with the reason; offline,
// the status's own null and reason.
func TestIndexPlayers(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	snap := func(online bool, freshFor time.Duration) *snapshot.Snapshot {
		s := fromNoRows(t, at.Add(-time.Minute), time.Minute+freshFor)
		s.Online = online
		s = worldstate.Published(s, nil, nil).WithCount(&snapshot.Count{N: 7, At: at.Add(-10 * time.Second)})
		return &s
	}
	x := &Index{worlds: []World{
		{Layout: snapshot.WorldLayout("up"), Copy: &copyOf{snap(true, time.Minute)}},
		{Layout: snapshot.WorldLayout("old"), Copy: &copyOf{snap(true, -time.Second)}},
		{Layout: snapshot.WorldLayout("down"), Copy: &copyOf{snap(false, time.Minute)}},
	}, Peaks: func(id string) *samples.Sample {
		if id != "up" {
			return nil
		}
		return &samples.Sample{At: at.Add(-time.Hour), V: 12}
	}}
	var got struct {
		Worlds []map[string]any `json:"worlds"`
	}
	if err := json.Unmarshal(x.body(at), &got); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"players": 7.0, "players_at": "2025-03-01T11:59:50Z", "players_reason": nil, "players_peak_24h": map[string]any{"count": 12.0, "at": "2025-03-01T11:00:00Z"}},
		{"players": nil, "players_at": nil, "players_reason": "stale", "players_peak_24h": nil},
		{"players": nil, "players_at": nil, "players_reason": "offline", "players_peak_24h": nil},
	}
	for i, w := range want {
		for k, v := range w {
			if !jsonEqual(got.Worlds[i][k], v) {
				t.Errorf("%s %s = %v, want %v", got.Worlds[i]["id"], k, got.Worlds[i][k], v)
			}
		}
	}
}

// TestIndexBuiltWhenLinked: an index asked for twice in one second waits for the next
// second's mtime; a world's status written meanwhile (with a 1-s probe, every second) is
// in the index that goes out then, not the one read before the wait, which would hold a
// flip back another second or more behind the world's status.json.
func TestIndexBuiltWhenLinked(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2025, 3, 1, 12, 0, 0, 200*int(time.Millisecond), time.UTC)
	now := at
	snap := func(online bool) *snapshot.Snapshot {
		s := fromNoRows(t, now, time.Hour)
		s.Online, s.CheckedAt = online, now // each round's check time
		s = worldstate.Published(s, nil, nil)
		return &s
	}
	c := &copyOf{snap(true)}
	// The fake clock's sleep: the clock moves on, and the probe's round that falls in the
	// wait finds the game server closed.
	sleep := func(d time.Duration) { now = now.Add(d); c.s = snap(false) }
	clock := func() time.Time { return now }
	x := NewIndex(publish.New(dir, time.Second, clock, sleep), time.Hour, slog.New(slog.DiscardHandler))
	x.now, x.sleep = clock, sleep
	x.worlds = []World{{Layout: snapshot.WorldLayout("x1"), Copy: c}}
	x.publish()
	now = now.Add(200 * time.Millisecond) // the next round's write wakes it in the same second
	c.s = snap(true)
	x.publish()
	b, err := os.ReadFile(filepath.Join(dir, snapshot.WorldsFile))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Worlds []struct {
			Status string `json:"status"`
		} `json:"worlds"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Worlds) != 1 || got.Worlds[0].Status != "offline" {
		t.Fatalf("index linked at %s says %s, want what the copy said then (offline)", now.Format(time.StampMilli), b)
	}
}

// fromNoRows is a status read at at from no rows: every field its default, which Build
// lists as fallbacks.
func fromNoRows(t *testing.T, at time.Time, ttl time.Duration) snapshot.Snapshot {
	t.Helper()
	s, fallbacks := snapshot.Build(nil, at, ttl)
	if len(fallbacks) == 0 {
		t.Fatal("Build from no rows listed no fallback")
	}
	return s
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/harness/edgetest"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
)

// threeWorlds seeds three schemas on db, each with its own exp rate and players online,
// starts a game server for each, and writes a worlds file for them. A world named in own
// lives on that MariaDB instead, reached by its `dsn:`.
func threeWorlds(t *testing.T, db *harness.MariaDB, own map[string]*harness.MariaDB) (file string, games map[string]*harness.GameServer, exp map[string]float64, online map[string]int64) {
	t.Helper()
	seed := harnesstest.DemoSeed(t)
	games, exp, online = map[string]*harness.GameServer{}, map[string]float64{}, map[string]int64{}
	var b strings.Builder
	b.WriteString("worlds:\n")
	for i, id := range []string{"x1", "x50", "pvp"} {
		rate := []float64{1, 50, 7}[i]
		offline := i // characters set offline: 3, 2, 1 of 5 stay online (the seed has 3)
		schema, where := "tz_"+strings.ReplaceAll(id, "-", "_"), db
		database := "{schema: " + schema + "}"
		if m := own[id]; m != nil {
			where, database = m, fmt.Sprintf("{dsn: \"root@tcp(%s)/%s\"}", m.Addr(), schema)
		}
		harnesstest.DB(t, where, schema, seed+fmt.Sprintf(
			"\nUPDATE constants SET Value = '%g' WHERE Name = 'RateExp';\nUPDATE characters SET online = 1;\nUPDATE characters SET online = 0 WHERE id <= %d;\n", rate, offline+2))
		exp[id], online[id] = rate, int64(5-(offline+2))
		g := harnesstest.GameServer(t, true)
		games[id] = g
		fmt.Fprintf(&b, "  - id: %s\n    name: {en: \"World %s\", ru: \"Мир %s\"}\n    database: %s\n    game_server: {addr: [\"%s\"], kind: tcp}\n    players_query: \"SELECT COUNT(*) FROM characters WHERE online = 1\"\n",
			id, id, id, database, g.Addr)
	}
	file = filepath.Join(t.TempDir(), "worlds.yml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file, games, exp, online
}

// worldSnap reads a world's status copy in dir; false when it is not there yet.
func worldSnap(dir, id string) (snapshot.Snapshot, bool, error) {
	data, _, err := snapshot.WorldLayout(id).ReadFile(dir)
	if err != nil {
		return snapshot.Snapshot{}, false, nil
	}
	s, err := snapshot.Parse(data)
	return s, err == nil, err
}

// TestThreeWorlds: three worlds on one MariaDB (three schemas) and three game servers:
// each world's document carries its own constants, players and online; closing one game
// server flips only that world, and the index follows.
func TestThreeWorlds(t *testing.T) {
	s := harnesstest.StartServers(t)
	file, games, exp, online := threeWorlds(t, s.DB, nil)
	s.Env["STATUS_WORLDS_FILE"] = file
	probeEnv(&stack{s}, "", "tcp")
	delete(s.Env, "GAME_SERVER_ADDR")
	runSnapshotter(t, s.Env)

	for id := range games {
		harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(20*time.Millisecond, "world "+id), func(context.Context) error {
			snap, ok, err := worldSnap(s.Dir, id)
			switch {
			case err != nil:
				return err
			case !ok:
				return fmt.Errorf("no status copy yet")
			case snap.Rates.Exp != exp[id] || snap.Players == nil || *snap.Players != online[id] || !snap.Online || len(snap.Probe) != 1:
				return fmt.Errorf("exp %v players %v online %v probe %v, want exp %v players %d online with a probe round", snap.Rates.Exp, snap.Players, snap.Online, snap.Probe, exp[id], online[id])
			}
			return nil
		})
	}

	games["x50"].Close()
	closed := time.Now()
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(20*time.Millisecond, "world x50"), func(context.Context) error {
		snap, _, err := worldSnap(s.Dir, "x50")
		if err != nil || snap.Online {
			return fmt.Errorf("x50 still online (%v)", err)
		}
		return nil
	})
	t.Logf("x50 offline %v after its game server closed", time.Since(closed))
	harnesstest.Eventually(t, 3*time.Second, harnesstest.Every(20*time.Millisecond, "the index"), func(context.Context) error {
		data, err := os.ReadFile(filepath.Join(s.Dir, snapshot.WorldsFile))
		if err != nil {
			return err
		}
		var idx struct {
			Worlds []struct {
				ID        string `json:"id"`
				Online    *bool  `json:"online"`
				Players   *int64 `json:"players"`
				Reason    string `json:"players_reason"`
				StatusURL string `json:"status_url"`
			} `json:"worlds"`
		}
		if err := json.Unmarshal(data, &idx); err != nil {
			return err
		}
		if len(idx.Worlds) != 3 {
			return fmt.Errorf("index lists %d worlds: %s", len(idx.Worlds), data)
		}
		for _, w := range idx.Worlds {
			// Offline, x50 presents no count (issue 30: characters.online survives a crash).
			players := w.Players != nil && *w.Players == online[w.ID] && w.Reason == ""
			if w.ID == "x50" {
				players = w.Players == nil && w.Reason == snapshot.ReasonOffline
			}
			if w.Online == nil || *w.Online != (w.ID != "x50") || !players || w.StatusURL != "/api/worlds/"+w.ID+"/status.json" {
				return fmt.Errorf("index: %s", data)
			}
		}
		return nil
	})
	for _, id := range []string{"x1", "pvp"} {
		if snap, _, err := worldSnap(s.Dir, id); err != nil || !snap.Online {
			t.Errorf("world %s went offline with x50's game server (%v)", id, err)
		}
	}
}

// TestWorldDatabaseHung: the world pvp lives on a MariaDB of its own, which is SIGSTOPped.
// The other worlds keep publishing every interval (no head-of-line blocking: each world's
// refresh spacing is measured), pvp's copy keeps its read's updated_at and fresh_until
// until that passes and nginx would no longer serve it from disk (the origin's path),
// /healthz and /debug name pvp's error, and pvp recovers once its MariaDB is resumed.
func TestWorldDatabaseHung(t *testing.T) {
	const (
		interval  = 2 * time.Second
		ttl       = 5 * time.Second
		dbTimeout = 3 * time.Second // a world blocked behind pvp would wait this long more
	)
	s := harnesstest.StartServers(t)
	pvpDB := harnesstest.MariaDB(t)
	file, _, _, _ := threeWorlds(t, s.DB, map[string]*harness.MariaDB{"pvp": pvpDB})
	s.Env["STATUS_WORLDS_FILE"] = file
	probeEnv(&stack{s}, "", "tcp")
	delete(s.Env, "GAME_SERVER_ADDR")
	s.Env["STATUS_UPDATE_INTERVAL"], s.Env["STATUS_CACHE_TTL"] = strconv.Itoa(int(interval.Seconds())), strconv.Itoa(int(ttl.Seconds()))
	addr := runSnapshotter(t, s.Env, "-db-timeout="+dbTimeout.String())

	ids := []string{"x1", "x50", "pvp"}
	for _, id := range ids {
		harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(20*time.Millisecond, "world "+id), func(context.Context) error {
			if _, ok, err := worldSnap(s.Dir, id); err != nil || !ok {
				return fmt.Errorf("no status copy yet (%v)", err)
			}
			return nil
		})
	}

	if err := pvpDB.Pause(); err != nil {
		t.Fatal(err)
	}
	paused := time.Now()
	resumed := false
	defer func() {
		if !resumed {
			_ = pvpDB.Resume()
		}
	}()
	// Every world's copy, sampled until pvp's has been past its fresh_until for two
	// intervals: the others' updated_at advances at each read, pvp's never after the pause.
	reads := map[string][]time.Time{}
	var pvp snapshot.Snapshot
	harnesstest.Eventually(t, 30*time.Second, harnesstest.Every(50*time.Millisecond, "the worlds' copies"), func(context.Context) error {
		for _, id := range ids {
			snap, ok, err := worldSnap(s.Dir, id)
			if err != nil || !ok {
				return fmt.Errorf("world %s: no copy (%v)", id, err)
			}
			if !snap.FreshUntil.Equal(snap.UpdatedAt.Add(ttl)) {
				t.Fatalf("world %s re-stamped: updated_at %v, fresh_until %v", id, snap.UpdatedAt, snap.FreshUntil)
			}
			if r := reads[id]; len(r) == 0 || !r[len(r)-1].Equal(snap.UpdatedAt) {
				reads[id] = append(r, snap.UpdatedAt)
			}
			if id == "pvp" {
				if snap.UpdatedAt.After(paused) {
					t.Fatalf("pvp published a read at %v, after its MariaDB was paused at %v", snap.UpdatedAt, paused)
				}
				pvp = snap
			}
		}
		if time.Now().Before(pvp.FreshUntil.Add(2 * interval)) {
			return fmt.Errorf("pvp fresh until %v", pvp.FreshUntil)
		}
		return nil
	})
	for _, id := range []string{"x1", "x50"} {
		// From the last read before the pause (updated_at is in whole seconds) on.
		after := reads[id]
		for len(after) > 1 && !after[1].After(paused) {
			after = after[1:]
		}
		var gaps []time.Duration
		for i := 1; i < len(after); i++ {
			gaps = append(gaps, after[i].Sub(after[i-1]).Round(time.Millisecond))
		}
		hung := time.Since(paused)
		t.Logf("world %s: %d reads in the %v pvp's MariaDB hung, spaced %v (interval %v, pvp's reads time out after %v)", id, len(gaps), hung.Round(time.Millisecond), gaps, interval, dbTimeout)
		if want := int(hung/interval) - 1; len(gaps) < want {
			t.Errorf("world %s: %d reads in %v while pvp hung, want one per interval (at least %d)", id, len(gaps), hung, want)
		}
		for _, g := range gaps {
			if g > interval+time.Second {
				t.Errorf("world %s: reads %v apart, want every %v: held up behind pvp", id, g, interval)
			}
		}
	}
	t.Logf("pvp: read %v, fresh until %v, still that read %v after the pause", pvp.UpdatedAt.Format(time.RFC3339Nano), pvp.FreshUntil.Format(time.RFC3339Nano), time.Since(paused).Round(time.Millisecond))
	// nginx finds no name for pvp's status now (the origin's path); the others it serves.
	for _, id := range ids {
		_, served, err := edgetest.Served(s.Dir, snapshot.WorldLayout(id).StatusDoc, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if served != (id != "pvp") {
			t.Errorf("world %s: nginx serves it from disk: %v", id, served)
		}
	}

	// /healthz: 503, pvp unhealthy with its error, the others healthy.
	var h struct {
		Healthy bool `json:"healthy"`
		Worlds  []struct {
			World     string `json:"world"`
			Healthy   bool   `json:"healthy"`
			LastError string `json:"last_error"`
		} `json:"worlds"`
	}
	resp, body, _, err := harnesstest.Send(&http.Client{Timeout: 5 * time.Second}, http.MethodGet, "http://"+addr+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatalf("/healthz: %v: %s", err, body)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || h.Healthy || len(h.Worlds) != 3 {
		t.Errorf("/healthz %s: %s; want 503 listing three worlds", resp.Status, body)
	}
	for _, w := range h.Worlds {
		hung := w.World == "pvp"
		if w.Healthy == hung || hung != hungRead(w.LastError) {
			t.Errorf("/healthz world %s: healthy %v, last_error %q", w.World, w.Healthy, w.LastError)
		}
	}
	debug, err := get("http://" + addr + "/debug")
	if err != nil {
		t.Fatal(err)
	}
	var d debugInfo
	if err := json.Unmarshal([]byte(debug), &d); err != nil {
		t.Fatal(err)
	}
	for _, w := range d.Worlds {
		if hung := w.World == "pvp"; hung != hungRead(w.LastError) || w.LocalFresh == hung {
			t.Errorf("/debug world %s: last_error %q, local_fresh %v", w.World, w.LastError, w.LocalFresh)
		}
	}
	for _, w := range h.Worlds {
		if w.World == "pvp" {
			t.Logf("/healthz names pvp's error: %s", w.LastError)
		}
	}

	if err := pvpDB.Resume(); err != nil {
		t.Fatal(err)
	}
	resumed = true
	back := time.Now()
	harnesstest.Eventually(t, 3*dbTimeout+2*interval, harnesstest.Every(50*time.Millisecond, "world pvp"), func(context.Context) error {
		snap, _, err := worldSnap(s.Dir, "pvp")
		if err != nil || !snap.UpdatedAt.After(back) {
			return fmt.Errorf("pvp's copy still from %v (%v)", snap.UpdatedAt, err)
		}
		if _, served, err := edgetest.Served(s.Dir, snapshot.WorldLayout("pvp").StatusDoc, time.Now()); err != nil || !served {
			return fmt.Errorf("nginx does not serve pvp from disk yet (%v)", err)
		}
		return nil
	})
	t.Logf("pvp fresh again %v after its MariaDB resumed", time.Since(back).Round(time.Millisecond))
	harnesstest.Eventually(t, 5*time.Second, harnesstest.Every(50*time.Millisecond, "/healthz"), func(context.Context) error {
		resp, body, _, err := harnesstest.Send(&http.Client{Timeout: 5 * time.Second}, http.MethodGet, "http://"+addr+"/healthz", nil)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/healthz %s: %s", resp.Status, body)
		}
		return nil
	})
}

// hungRead reports whether a world's last error is its read of `constants` given up on a
// server that never answered, said as such whichever of the driver's read timeout and the
// refresh's deadline fired first.
func hungRead(lastError string) bool {
	return strings.HasPrefix(lastError, "read constants: ") && strings.Contains(lastError, "no answer within")
}

// TestWorldsFleet: two snapshotters share three worlds (three schemas on the fleet's one
// MariaDB) for five intervals: MariaDB's Com_select grows by one read of the constants
// per world per interval, fleet-wide, and one players count per STATUS_PLAYERS_INTERVAL
// (here the same).
func TestWorldsFleet(t *testing.T) {
	t.Parallel() // servers of its own, and a count that no other test's load can change
	bin := fleetBin(t)
	db := demoDB(t)
	r, _ := watchedRedis(t)
	file, _, _, _ := threeWorlds(t, db, nil)
	env := fleetEnv(db, map[string]string{"REDIS_URL": r.URL()})
	env["STATUS_WORLDS_FILE"] = file
	env["STATUS_PROBE_INTERVAL"], env["STATUS_PROBE_TIMEOUT"] = "1", "1"
	// The players are counted at their own pace (issue 30): here the interval's, so that
	// each interval brings one read of each kind per world.
	env["STATUS_PLAYERS_INTERVAL"] = strconv.Itoa(fleetInterval)
	f := startFleet(t, bin, env, 2, 0)
	leader := leaderOf(t, f, 10*time.Second)
	ids := []string{"x1", "x50", "pvp"}

	// reads is each world's updated_at as the leader's copy says now.
	reads := func() (map[string]time.Time, error) {
		out := map[string]time.Time{}
		for _, id := range ids {
			snap, ok, err := worldSnap(leader.StatusDir, id)
			if err != nil || !ok {
				return nil, fmt.Errorf("world %s: no copy yet (%v)", id, err)
			}
			out[id] = snap.UpdatedAt
		}
		return out, nil
	}
	var first map[string]time.Time
	harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(20*time.Millisecond, "the worlds' first reads"), func(context.Context) (err error) {
		first, err = reads()
		return err
	})
	base := selects(t, db)
	const rounds = 5
	seen := map[string][]time.Time{}
	for _, id := range ids {
		seen[id] = []time.Time{first[id]}
	}
	harnesstest.Eventually(t, 3*rounds*fleetInterval*time.Second, harnesstest.Every(20*time.Millisecond, "five more reads of each world"), func(context.Context) error {
		now, err := reads()
		if err != nil {
			return err
		}
		var short []string
		for _, id := range ids {
			if s := seen[id]; !s[len(s)-1].Equal(now[id]) {
				seen[id] = append(s, now[id])
			}
			if len(seen[id]) < rounds+1 {
				short = append(short, fmt.Sprintf("%s: %d", id, len(seen[id])-1))
			}
		}
		if len(short) > 0 {
			return fmt.Errorf("reads so far %v", short)
		}
		return nil
	})
	got := selects(t, db) - base
	const perRead = 2 // the constants, and the players count at its own (here equal) pace
	want := perRead * len(ids) * rounds
	t.Logf("fleet of 2, %d worlds: %d SELECTs over %d intervals of %ds (want %d = %d statements x %d worlds x %d intervals, ±%d)",
		len(ids), got, rounds, fleetInterval, want, perRead, len(ids), rounds, perRead*len(ids))
	if got < want-perRead*len(ids) || got > want+perRead*len(ids) {
		t.Errorf("MariaDB Com_select grew by %d over %d intervals, want %d ± one read per world", got, rounds, want)
	}
	for _, m := range f.Snapshotters {
		if m != leader {
			for _, id := range ids {
				if _, ok, err := worldSnap(m.StatusDir, id); err != nil || !ok {
					t.Errorf("follower %s has no copy of world %s (%v)", m.Name, id, err)
				}
			}
		}
	}
}

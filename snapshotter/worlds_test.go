package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
)

// threeWorlds seeds three schemas on one MariaDB, each with its own exp rate and players
// online, starts a game server for each, and writes a worlds file for them.
func threeWorlds(t *testing.T, s *harnesstest.Servers) (file string, games map[string]*harness.GameServer, exp map[string]float64, online map[string]int64) {
	t.Helper()
	seed := harnesstest.DemoSeed(t)
	games, exp, online = map[string]*harness.GameServer{}, map[string]float64{}, map[string]int64{}
	var b strings.Builder
	b.WriteString("worlds:\n")
	for i, id := range []string{"x1", "x50", "pvp"} {
		rate := []float64{1, 50, 7}[i]
		offline := i // characters set offline: 3, 2, 1 of 5 stay online (the seed has 3)
		harnesstest.DB(t, s.DB, "tz_"+strings.ReplaceAll(id, "-", "_"), seed+fmt.Sprintf(
			"\nUPDATE constants SET Value = '%g' WHERE Name = 'RateExp';\nUPDATE characters SET online = 1;\nUPDATE characters SET online = 0 WHERE id <= %d;\n", rate, offline+2))
		exp[id], online[id] = rate, int64(5-(offline+2))
		g := harnesstest.GameServer(t, true)
		games[id] = g
		fmt.Fprintf(&b, "  - id: %s\n    name: {en: \"World %s\", ru: \"Мир %s\"}\n    database: {schema: tz_%s}\n    game_server: {addr: [\"%s\"], kind: tcp}\n    players_query: \"SELECT COUNT(*) FROM characters WHERE online = 1\"\n",
			id, id, id, id, g.Addr)
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
	file, games, exp, online := threeWorlds(t, s)
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
			if w.Online == nil || *w.Online != (w.ID != "x50") || w.Players == nil || *w.Players != online[w.ID] || w.StatusURL != "/api/worlds/"+w.ID+"/status.json" {
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

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"statusedge/internal/harness"
	"statusedge/internal/harness/stack"
)

// demoWorld is one world of `make run-worlds`: its own schema in the throwaway MariaDB
// (the demo seed, then its rates and players online) and its own fake game server.
type demoWorld struct {
	id, en, ru string
	kind       string // probe kind
	update     string // SQL run after the demo seed
	game       *harness.GameServer
	signal     syscall.Signal // closes and reopens game
}

// sigrtmin is Linux's SIGRTMIN as the shell names it (RTMIN, 34): glibc keeps 32 and 33.
const sigrtmin = 34

func demoWorlds() []*demoWorld {
	ws := []*demoWorld{
		{id: "classic-x1", en: "Classic x1", ru: "Классика x1", kind: "tcp", update: `
UPDATE constants SET Value = '1' WHERE Name IN ('RateExp', 'RatePvp', 'RatePve', 'RateColorMob', 'RateSkill');`},
		{id: "fast-x50", en: "Fast x50", ru: "Быстрый x50", kind: "tcp", update: `
UPDATE constants SET Value = '50' WHERE Name IN ('RateExp', 'RatePve');
UPDATE constants SET Value = '10' WHERE Name IN ('RateSkill', 'RateColorMob');
UPDATE characters SET online = 1;`},
		{id: "pvp-season", en: "PvP season", ru: "PvP-сезон", kind: "banner", update: `
UPDATE constants SET Value = '5' WHERE Name = 'RateExp';
UPDATE constants SET Value = '3' WHERE Name = 'RatePvp';
UPDATE characters SET online = (id = 1);`},
	}
	for i, w := range ws {
		w.signal = syscall.Signal(sigrtmin + 1 + i)
	}
	return ws
}

// schema is the world's database name.
func (w *demoWorld) schema() string { return "tz_" + strings.ReplaceAll(w.id, "-", "_") }

// startWorlds starts the worlds' fake game servers, writes the worlds file in dir and
// says which schemas the stack must create for it. On error it closes what it started.
func startWorlds(ws []*demoWorld, dir string) (file string, schemas []stack.Schema, err error) {
	seed, err := harness.DemoSeed()
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	b.WriteString("# make run-worlds: three demo worlds on the throwaway MariaDB.\nworlds:\n")
	for _, w := range ws {
		if w.game, err = harness.StartGameServer(true); err != nil {
			closeWorlds(ws)
			return "", nil, fmt.Errorf("fake game server of %s: %w", w.id, err)
		}
		schemas = append(schemas, stack.Schema{Name: w.schema(), Seed: seed + "\n" + w.update})
		fmt.Fprintf(&b, "  - id: %s\n    name: {en: %q, ru: %q}\n    database: {schema: %s}\n    game_server: {addr: [%q], kind: %s}\n    players_query: %q\n",
			w.id, w.en, w.ru, w.schema(), w.game.Addr, w.kind, harness.DemoPlayersQuery)
	}
	file = filepath.Join(dir, "worlds.yml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		closeWorlds(ws)
		return "", nil, err
	}
	return file, schemas, nil
}

func closeWorlds(ws []*demoWorld) {
	for _, w := range ws {
		if w.game != nil {
			w.game.Close()
		}
	}
}

// printToggles prints how to close and reopen each world's fake game server.
func printToggles(w io.Writer, ws []*demoWorld) {
	var b strings.Builder
	b.WriteString("Fake game servers, probed every STATUS_PROBE_INTERVAL (default 15 s). To watch a world\nflip, close its game server (the same command again reopens it):\n")
	for _, d := range ws {
		fmt.Fprintf(&b, "  %-12s %-16s kill -s RTMIN+%d %d\n", d.id, d.game.Addr, int(d.signal)-sigrtmin, os.Getpid())
	}
	fmt.Fprintln(w, b.String())
}

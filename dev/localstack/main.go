// Command localstack runs all of statusedge on this machine in the foreground (`make run`):
// a throwaway MariaDB seeded with the demo constants, Redis, the snapshotter, the origin
// and nginx. DB_HOST or REDIS_URL point it at existing servers instead. Ctrl-C or SIGTERM
// stops everything it started.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"statusedge/internal/config"
	"statusedge/internal/harness"
	"statusedge/internal/harness/stack"
	"statusedge/internal/maintenance"
	"statusedge/internal/notify"
	"statusedge/internal/players"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

func main() {
	// `make run` is our parent: if make is killed, take the stack down with it.
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "localstack: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("localstack", flag.ContinueOnError)
	bin := fs.String("bin", "", "folder holding built snapshotter and origin binaries (default: build them)")
	dir := fs.String("dir", "", "folder for data, logs and status.json (default: a new temp folder, removed at exit)")
	withWorlds := fs.Bool("worlds", false, "three demo worlds (STATUS_WORLDS_FILE), each with its own schema and fake game server (`make run-worlds`)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if *withWorlds && (getenv("DB_HOST") != "" || getenv("GAME_SERVER_ADDR") != "") {
		return errors.New("-worlds seeds its own schemas and game servers: unset DB_HOST and GAME_SERVER_ADDR")
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "statusedge-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	if *bin == "" {
		*bin = filepath.Join(*dir, "bin")
		fmt.Fprintln(stdout, "building snapshotter and origin…")
		if err := harness.BuildPrograms(ctx, *bin); err != nil {
			return err
		}
	}
	sc := stack.Config{
		Dir: *dir, Bin: *bin, Snapshotter: true,
		Interval: int(cfg.Interval.Seconds()), TTL: int(cfg.TTL.Seconds()),
		PublicAddr: cfg.PublicAddr, OriginAddr: cfg.OriginAddr, SnapshotterAddr: cfg.SnapshotterAddr,
	}
	if getenv("DB_HOST") != "" {
		sc.DB = map[string]string{}
		for _, k := range []string{"DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_PASSWORD_FILE", "DB_NAME"} {
			if v := getenv(k); v != "" {
				sc.DB[k] = v
			}
		}
	}
	if getenv("REDIS_URL") != "" {
		sc.RedisURL = cfg.RedisURL
	}
	// The probe: GAME_SERVER_ADDR when set, else a fake game server owned here.
	sc.Env = map[string]string{}
	for _, k := range append(config.ProbeNames(), players.Env, notify.Env, notify.GapEnv, maintenance.Env, "STATUS_PAGE_NAME", "STATUS_PAGE_URL") {
		if v := getenv(k); v != "" {
			sc.Env[k] = v
		}
	}
	// The throwaway MariaDB holds the demo `characters` too: count them, so that the page
	// shows everything it can. A database of one's own has its own table, or none.
	if getenv("DB_HOST") == "" && sc.Env[players.Env] == "" {
		sc.Env[players.Env] = harness.DemoPlayersQuery
	}
	var game *harness.GameServer
	var worlds []*demoWorld
	var worldsFile string
	if *withWorlds {
		worlds = demoWorlds()
		if worldsFile, sc.Schemas, err = startWorlds(worlds, *dir); err != nil {
			return err
		}
		defer closeWorlds(worlds)
		// The snapshotter publishes the worlds; the origin is given the file too.
		sc.Env["STATUS_WORLDS_FILE"] = worldsFile
		delete(sc.Env, players.Env) // each world has its own
	} else if sc.Env["GAME_SERVER_ADDR"] == "" {
		if game, err = harness.StartGameServer(true); err != nil {
			return fmt.Errorf("fake game server: %w", err)
		}
		defer game.Close()
		sc.Env["GAME_SERVER_ADDR"] = game.Addr
	}
	toggle := make(chan os.Signal, 1)
	signal.Notify(toggle, syscall.SIGUSR1)
	for _, w := range worlds {
		signal.Notify(toggle, w.signal)
	}
	defer signal.Stop(toggle)
	fmt.Fprintln(stdout, "starting MariaDB, Redis, snapshotter, origin and nginx…")
	s, err := stack.Start(ctx, sc)
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(stdout, "stopping…")
		s.Stop()
		fmt.Fprintln(stdout, "stopped.")
	}()
	printURLs(stdout, s, *dir, *bin, worlds, worldsFile)
	if worlds != nil {
		printToggles(stdout, worlds)
	} else if game != nil {
		fmt.Fprintf(stdout, "Fake game server on %s (probed every STATUS_PROBE_INTERVAL, default 15 s).\nTo watch the page flip: kill -USR1 %d  (closes it; again to reopen)\n\n", game.Addr, os.Getpid())
	} else {
		fmt.Fprintf(stdout, "Probing GAME_SERVER_ADDR=%s.\n\n", sc.Env["GAME_SERVER_ADDR"])
	}

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case sig := <-toggle:
			g := game
			for _, w := range worlds {
				if sig == w.signal {
					g = w.game
				}
			}
			if g == nil {
				continue
			}
			// A port taken meanwhile is retried in the background: the stack goes on.
			up, err := g.Toggle()
			if err != nil {
				fmt.Fprintf(stdout, "fake game server %s: %v\n", g.Addr, err)
				continue
			}
			fmt.Fprintf(stdout, "fake game server %s: open=%v\n", g.Addr, up)
		case <-tick.C:
			for _, p := range []*harness.Process{s.Origin, s.Snapshotter} {
				if p.Exited() {
					return errors.New(p.Name + " exited; its log: " + filepath.Join(*dir, p.Name+".log") + "\n" + s.Logs(p.Name))
				}
			}
		}
	}
}

// printURLs prints where everything is; with worlds, the index and each world's status
// instead of the one world's status, badge and status.json.
func printURLs(w io.Writer, s *stack.Stack, dir, bin string, worlds []*demoWorld, worldsFile string) {
	pub, snap := s.PublicURL(), "http://"+s.Env["SNAPSHOTTER_ADDR"]
	db := databases(s.Env, s.MariaDB != nil, worlds)
	rows := [][2]string{{"status page", pub + "/"}}
	if worlds == nil {
		rows = append(rows,
			[2]string{"snapshot (JSON)", pub + "/" + nginx.StatusDoc},
			[2]string{"badge (shields.io)", pub + "/" + nginx.BadgeDoc + ".json"})
	} else {
		rows = append(rows, [2]string{"worlds (JSON)", pub + "/" + snapshot.WorldsDoc + ".json"})
		for _, d := range worlds {
			rows = append(rows, [2]string{d.id, pub + snapshot.WorldLayout(d.id).StatusURL()})
		}
	}
	hist := snapshot.Legacy().HistoryURL()
	if worlds != nil {
		hist = snapshot.WorldLayout(worlds[0].id).HistoryURL()
	}
	rows = append(rows, [2]string{"history (JSON)", pub + hist}, [2]string{"Statuspage API", pub + "/api/v2/summary.json"},
		[2]string{"feed (Atom)", pub + nginx.FeedAliases()[0].URL},
		[2]string{"ops debug", pub + nginx.DebugURL})
	if worlds == nil {
		rows = append(rows, [2]string{"origin", s.OriginURL() + "/server/status"})
	}
	rows = append(rows,
		[2]string{"origin metrics", s.OriginURL() + "/metrics"},
		[2]string{"snapshotter", snap + "/healthz"},
		[2]string{"snapshotter metrics", snap + "/metrics"},
		[2]string{"MySQL", db})
	if q := s.Env[players.Env]; q != "" {
		rows = append(rows, [2]string{"players query", q})
	}
	rows = append(rows, [2]string{"Redis", redacted(s.Env["REDIS_URL"])})
	if worlds == nil {
		rows = append(rows, [2]string{"status.json", filepath.Join(s.StatusDir, snapshot.FileName)})
	} else {
		rows = append(rows, [2]string{"worlds file", worldsFile}, [2]string{"STATUS_DIR", s.StatusDir})
	}
	rows = append(rows, [2]string{"logs", dir + "/*.log, " + dir + "/nginx/nginx.log"})
	var b strings.Builder
	b.WriteString("\nstatusedge is running:\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-20s %s\n", r[0], r[1])
	}
	// The operator's commands run against this stack's Redis (and worlds file).
	env := "REDIS_URL=" + s.Env["REDIS_URL"]
	world := ""
	if worlds != nil {
		env += " STATUS_WORLDS_FILE=" + worldsFile
		world = " -world " + worlds[0].id
	}
	fmt.Fprintf(&b, "\nPlanned maintenance from now until a time (HH:MM, local), and a note on the ongoing incident:\n  %s %s/snapshotter maintenance start%s -until HH:MM -message-en 'Restart' -message-ru 'Перезапуск'\n  %s %s/snapshotter incident note%s -message-en 'Looking into it' -message-ru 'Разбираемся'\n",
		env, bin, world, env, bin, world)
	b.WriteString("\nCtrl-C stops everything.")
	fmt.Fprintln(w, b.String())
}

// databases says which MySQL databases the stack reads: DB_NAME, or with worlds each
// world's schema (DB_NAME is then read by nobody).
func databases(env map[string]string, throwaway bool, worlds []*demoWorld) string {
	names := env["DB_NAME"]
	if worlds != nil {
		var schemas []string
		for _, w := range worlds {
			schemas = append(schemas, w.schema())
		}
		names = "{" + strings.Join(schemas, ",") + "}"
	}
	db := env["DB_HOST"] + ":" + env["DB_PORT"] + "/" + names + " (user " + env["DB_USER"] + ")"
	if throwaway {
		db += ", throwaway, seeded with deploy/seed.sql"
	}
	return db
}

// redacted hides a password in a URL for printing.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

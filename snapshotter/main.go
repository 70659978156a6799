// Command snapshotter reads the game's `constants` table every STATUS_UPDATE_INTERVAL and
// publishes the status to Redis (server:status) and to STATUS_DIR/status.json.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"statusedge/internal/config"
	"statusedge/internal/documents"
	"statusedge/internal/healthcheck"
	"statusedge/internal/httpserver"
	"statusedge/internal/leader"
	"statusedge/internal/lease"
	"statusedge/internal/notify"
	"statusedge/internal/players"
	"statusedge/internal/publish"
	"statusedge/internal/replica"
	"statusedge/internal/snapshot"
	"statusedge/internal/statuspage"
	"statusedge/internal/telemetry"
	"statusedge/internal/worlds"
	"statusedge/nginx"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintf(os.Stderr, "snapshotter: %v\n", err)
		os.Exit(1)
	}
}

// run is the snapshotter. listening, when not nil, is told the address the health server
// bound, so that tests can run it on 127.0.0.1:0.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, listening func(addr string)) error {
	if len(args) > 1 && (args[1] == "maintenance" || args[1] == "incident") {
		return command(ctx, args[1], args[2:], getenv, stdout, stderr)
	}
	fs := flag.NewFlagSet("snapshotter", flag.ContinueOnError)
	fs.SetOutput(stderr)
	once := fs.Bool("once", false, "refresh once and exit: 0 on success, 1 with the reason")
	checkHealth := fs.Bool("healthcheck", false, "exit 0 when the running snapshotter's /healthz answers 200 (for container healthchecks)")
	dbTimeout := fs.Duration("db-timeout", 5*time.Second, "deadline for connecting to and querying MySQL")
	redisTimeout := fs.Duration("redis-timeout", 2*time.Second, "deadline for each Redis call")
	printConf := fs.String("print-nginx", "", "print the nginx file these settings need (site: Debian sites-enabled, standalone: a whole nginx.conf) and exit")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if *checkHealth {
		return healthcheck.Probe(ctx, "http://"+cfg.SnapshotterAddr+"/healthz")
	}
	probeCfg, probing := cfg.Probe, cfg.Probing
	// The max-age hint nginx adds to each document's mtime follows these settings: a
	// nginx file rendered for others would let a cache keep a snapshot past fresh_until,
	// or hide a flip, so a mismatch stops the snapshotter (below).
	edge := nginx.ContractOf(cfg)
	// Read only by -print-nginx, checked at every start all the same: a bad value in the
	// env file is heard of before the next render needs it.
	debugAllow, err := nginx.LoadDebugAllow(getenv)
	if err != nil {
		return err
	}
	if *printConf != "" {
		return printNginx(stdout, *printConf, edge, cfg, debugAllow)
	}
	playersQuery, counting, err := players.LoadQuery(getenv)
	if err != nil {
		return err
	}
	playersEvery, err := players.LoadInterval(getenv)
	if err != nil {
		return err
	}
	// Checked even without a probe, like the probe's own variables: a bad value is a
	// mistake to hear about at start, not when the probe is switched on.
	webhookURL := getenv(notify.Env)
	if webhookURL != "" {
		if _, err := notify.CheckURL(webhookURL); err != nil {
			return err
		}
	}
	webhookGap, err := notify.LoadMinGap(getenv)
	if err != nil {
		return err
	}
	telegram, err := notify.LoadTelegram(getenv)
	if err != nil {
		return err
	}
	// Last of the settings' checks: the others name a variable, this one a file.
	if err := nginx.Check(cfg.NginxConf, edge); err != nil {
		return err
	}
	logger := telemetry.Logger(stdout, "snapshotter")
	telemetry.RouteLibraryLogs(logger)
	if webhookURL != "" && !probing {
		logger.Warn(notify.Env + " is set without GAME_SERVER_ADDR: the webhook tells probe flips, so it stays silent")
	}

	setups, err := loadWorlds(getenv, cfg, worlds.Legacy(cfg, playersQuery, webhookURL))
	if err != nil {
		return err
	}
	if err := telegramChats(setups, telegram); err != nil {
		return err
	}
	plans, err := loadPlans(getenv, setups)
	if err != nil {
		return err
	}
	if setups[0].layout.World != "" {
		replica.Withdraw(cfg.StatusDir, worldIDs(setups), logger)
	}
	rdb := cfg.Redis.Client(*redisTimeout)
	defer rdb.Close()
	maxAge := edge.MaxAge()
	reg := telemetry.Registry()
	vecs := replica.NewMetricVecs(reg)
	deps := worldDeps{dir: cfg.StatusDir, ttl: cfg.TTL, maxAge: maxAge, maxSnapshot: cfg.MaxSnapshot,
		dbTimeout: *dbTimeout, redisTimeout: *redisTimeout, webhookGap: webhookGap, telegram: telegram, rdb: rdb, vecs: vecs, log: logger, plans: plans,
		playersEvery: playersEvery}

	if *once {
		// A plain SETEX per world, as an operator's forced refresh.
		var errs []error
		for _, s := range setups {
			w, err := newWorld(s, deps)
			if err != nil {
				return err
			}
			w.plan.Poll(ctx) // the command line's windows too
			if err := w.r.Refresh(ctx); err != nil {
				errs = append(errs, err)
			}
			w.db.Close()
		}
		return errors.Join(errs...)
	}

	// Leadership: every replica competes for one lease, for every world; the leader alone
	// reads MySQL and probes (the tasks), and every replica copies what the leader
	// publishes into its own STATUS_DIR.
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s:%d:%d", host, os.Getpid(), time.Now().UnixNano())
	fingerprint, err := worlds.Fingerprint(getenv(worlds.Env))
	if err != nil {
		return err
	}
	l, err := lease.New(rdb, snapshot.Deployment(cfg.Deployment), holder, fingerprint, cfg.Lease)
	if err != nil {
		return err
	}
	l.Log = logger
	ro := leader.NewRole(l, cfg.Lease, *redisTimeout, time.Now, logger)
	ro.OnChange = vecs.Role
	ro.Worlds, ro.OnMismatch = fingerprint, vecs.WorldsFile
	deps.role = ro
	// Every write of a world's status copy wakes the documents made from it: the index,
	// and the historian's (history, uptime badges, Statuspage), so that they change with
	// the status, within a probe round.
	hist := documents.NewHistorian(publish.New(cfg.StatusDir, maxAge, time.Now, time.Sleep), cfg.TTL, *redisTimeout,
		statuspage.Page{ID: "statusedge", Name: cfg.PageName, URL: cfg.PageURL, TimeZone: "Etc/UTC"}, logger)
	// The players documents follow each sample and round (each republishes the status).
	trends := documents.NewTrends(publish.New(cfg.StatusDir, maxAge, time.Now, time.Sleep), cfg.TTL, *redisTimeout, playersEvery, logger)
	deps.published = func() { hist.Touch(); trends.Touch() }
	var idx *documents.Index
	if setups[0].layout.World != "" {
		idx = documents.NewIndex(publish.New(cfg.StatusDir, maxAge, time.Now, time.Sleep), cfg.TTL, logger)
		idx.Peaks, trends.Done = trends.Peak, idx.Touch
		deps.published = func() { idx.Touch(); hist.Touch(); trends.Touch() }
	}
	var ws []*world
	defer func() {
		for _, w := range ws {
			w.db.Close()
		}
	}()
	rs := make([]*replica.Refresher, 0, len(setups))
	for _, s := range setups {
		w, err := newWorld(s, deps)
		if err != nil {
			return err
		}
		ws = append(ws, w)
		w.start()
		rs = append(rs, w.r)
		ro.Tasks = append(ro.Tasks, w.tasks(cfg.Interval)...)
	}

	ln, err := net.Listen("tcp", cfg.SnapshotterAddr)
	if err != nil {
		return fmt.Errorf("SNAPSHOTTER_ADDR: %w", err)
	}
	logger.Info("started", "addr", ln.Addr().String(), "interval_seconds", cfg.Interval.Seconds(),
		"ttl_seconds", cfg.TTL.Seconds(), "max_age_hint", maxAge.Seconds(), "lease_seconds", cfg.Lease.Seconds(), "holder", holder,
		"status_dir", cfg.StatusDir, "redis", cfg.RedisAddr(), "worlds", len(ws),
		"probe_targets", probeCfg.Targets, "probe_kind", probeCfg.Kind, "players_query", counting, "players_interval_seconds", playersEvery.Seconds(), "webhook", probing && webhookURL != "",
		"webhook_min_gap_seconds", webhookGap.Seconds(), "telegram", probing && telegram.Token != "", "telegram_lang", telegram.Lang)
	if listening != nil {
		listening(ln.Addr().String())
	}
	// The role, the follower copy, the index and the health server end together: on
	// SIGTERM, or when the server fails. A leader finishes its refreshes in progress and
	// releases the lease before Run returns.
	g, gctx := errgroup.WithContext(ctx)
	docs := documentsOf(ws, rdb)
	g.Go(func() error { hist.Run(gctx, docs); return nil })
	g.Go(func() error { trends.Run(gctx, docs); return nil })
	g.Go(func() error { plans.Run(gctx, logger, vecs.PlanRefused); return nil })
	if idx != nil {
		g.Go(func() error { idx.Run(gctx, docs); return nil })
	}
	g.Go(func() error { ro.Run(gctx); return nil })
	g.Go(func() error { replica.FollowAll(gctx, rdb, rs, cfg.Interval, followCheck(cfg.Lease)); return nil })
	g.Go(func() error { return httpserver.Serve(gctx, ln, NewServer(logger, ws, ro, hist, reg)) })
	if err := g.Wait(); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// followCheck is how often a replica reads server:status besides the pub/sub messages:
// a third of the lease (5 s by default), at least a second.
func followCheck(lease time.Duration) time.Duration {
	return max(leader.RenewEvery(lease), time.Second)
}

// Command snapshotter reads the game's `constants` table every STATUS_UPDATE_INTERVAL and
// publishes the status to Redis (server:status) and to STATUS_DIR/status.json.
package main

import (
	"context"
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
	"statusedge/internal/healthcheck"
	"statusedge/internal/httpserver"
	"statusedge/internal/lease"
	"statusedge/internal/notify"
	"statusedge/internal/players"
	"statusedge/internal/probe"
	"statusedge/internal/snapshot"
	"statusedge/internal/telemetry"
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
	if *printConf != "" {
		return printNginx(stdout, *printConf, edge, cfg)
	}
	playersQuery, counting, err := players.LoadQuery(getenv)
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
	// Last of the settings' checks: the others name a variable, this one a file.
	if err := nginx.Check(cfg.NginxConf, edge); err != nil {
		return err
	}
	logger := telemetry.Logger(stdout, "snapshotter")
	telemetry.RouteLibraryLogs(logger)
	if webhookURL != "" && !probing {
		logger.Warn(notify.Env + " is set without GAME_SERVER_ADDR: the webhook tells probe flips, so it stays silent")
	}

	db, err := cfg.OpenDB(*dbTimeout, telemetry.MySQLLogger(logger))
	if err != nil {
		return err
	}
	defer db.Close()
	// One query per interval: keep no idle connection for a firewall to cut in between.
	db.SetMaxOpenConns(2)
	db.SetConnMaxIdleTime(time.Minute)
	rdb := cfg.Redis.Client(*redisTimeout)
	defer rdb.Close()
	store := snapshot.NewStore(rdb)

	maxAge := edge.MaxAge()
	reg := telemetry.Registry()
	metrics := newMetrics(reg)
	local := &localCopy{pub: snapshot.NewPublisher(cfg.StatusDir, maxAge, time.Now, time.Sleep), dir: cfg.StatusDir,
		now: time.Now, ttl: cfg.TTL, log: logger, metrics: metrics}
	// A crash mid-publish leaves every served name complete but maybe mixed; make the
	// folder say exactly what status.json says before anything else (or, when that is
	// forged, serve nothing of it).
	if err := local.Recover(); err != nil {
		logger.Warn("recover STATUS_DIR", "dir", cfg.StatusDir, "err", err)
	}
	newRefresher := func(put func(context.Context, []byte, time.Duration) error, leading func() bool) *refresher {
		r := &refresher{
			read:  func(ctx context.Context) ([]snapshot.Row, error) { return snapshot.ReadRows(ctx, db, cfg.MaxSnapshot) },
			store: store, put: put, leading: leading, local: local,
			ttl:       cfg.TTL,
			dbTimeout: *dbTimeout, redisTimeout: *redisTimeout,
			now: time.Now, log: logger, metrics: metrics,
		}
		if counting {
			r.players = func(ctx context.Context) (int64, error) { return players.Read(ctx, db, playersQuery) }
		}
		return r
	}
	if *once {
		// A plain SETEX, as an operator's forced refresh.
		return newRefresher(store.Put, nil).Refresh(ctx)
	}
	if err := local.Load(); err != nil {
		logger.Warn("read STATUS_DIR", "dir", cfg.StatusDir, "err", err)
	}

	// Leadership: every replica competes for the lease; the leader alone reads MySQL
	// (and runs whatever else is appended to ro.tasks), and every replica copies what
	// the leader publishes into its own STATUS_DIR.
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s:%d:%d", host, os.Getpid(), time.Now().UnixNano())
	l, err := lease.New(rdb, holder, cfg.Lease)
	if err != nil {
		return err
	}
	ro := newRole(l, store, cfg.Lease, *redisTimeout, time.Now, logger)
	ro.onChange = metrics.role
	r := newRefresher(ro.Publish, ro.Acting)
	ro.tasks = []func(context.Context){func(ctx context.Context) { r.Loop(ctx, cfg.Interval) }}
	if probing {
		// Only the leader probes (and sends the webhook): one verdict for the fleet.
		w := &watcher{loop: probe.NewLoop(probeCfg, time.Now), r: r, log: logger, metrics: newProbeMetrics(reg)}
		if webhookURL != "" {
			w.notifier, err = notify.New(logger, webhookURL, notify.Options{
				MinGap: webhookGap, State: store, StoreTimeout: *redisTimeout, Failed: w.metrics.webhookFailures.Inc,
			})
			if err != nil {
				return err
			}
		}
		ro.tasks = append(ro.tasks, w.Run)
	}

	ln, err := net.Listen("tcp", cfg.SnapshotterAddr)
	if err != nil {
		return fmt.Errorf("SNAPSHOTTER_ADDR: %w", err)
	}
	logger.Info("started", "addr", ln.Addr().String(), "interval_seconds", cfg.Interval.Seconds(),
		"ttl_seconds", cfg.TTL.Seconds(), "max_age_hint", maxAge.Seconds(), "lease_seconds", cfg.Lease.Seconds(), "holder", holder,
		"status_dir", cfg.StatusDir, "redis", cfg.RedisAddr(),
		"probe_targets", probeCfg.Targets, "probe_kind", probeCfg.Kind, "players_query", counting, "webhook", probing && webhookURL != "",
		"webhook_min_gap_seconds", webhookGap.Seconds())
	if listening != nil {
		listening(ln.Addr().String())
	}
	// The role, the follower copy and the health server end together: on SIGTERM, or
	// when the server fails. A leader finishes its refresh in progress and releases the
	// lease before Run returns.
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { ro.Run(gctx); return nil })
	g.Go(func() error { r.Follow(gctx, rdb, cfg.Interval, followCheck(cfg.Lease)); return nil })
	g.Go(func() error { return httpserver.Serve(gctx, ln, NewServer(logger, r, ro, reg)) })
	if err := g.Wait(); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// followCheck is how often a replica reads server:status besides the pub/sub messages:
// a third of the lease (5 s by default), at least a second.
func followCheck(lease time.Duration) time.Duration { return max(renewEvery(lease), time.Second) }

// Command origin answers for the status whenever nginx cannot serve status.json from
// disk: Redis, then MySQL, then the last snapshot known, never an invented status. With a
// worlds file (STATUS_WORLDS_FILE) it does so for each world, from that world's own key,
// database and copy.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"statusedge/internal/config"
	"statusedge/internal/healthcheck"
	"statusedge/internal/httpserver"
	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
	"statusedge/internal/telemetry"
	"statusedge/internal/worlds"
	"statusedge/nginx"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintf(os.Stderr, "origin: %v\n", err)
		os.Exit(1)
	}
}

// run is the origin. listening, when not nil, is told the address the server bound, so
// that tests can run it on 127.0.0.1:0.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, listening func(addr string)) error {
	fs := flag.NewFlagSet("origin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	checkHealth := fs.Bool("healthcheck", false, "exit 0 when the running origin's /healthz answers 200 (for container healthchecks)")
	redisTimeout := fs.Duration("redis-timeout", 100*time.Millisecond, "deadline for each Redis call before falling over to MySQL")
	dbTimeout := fs.Duration("db-timeout", 2*time.Second, "deadline for connecting to and querying MySQL")
	dbBackoff := fs.Duration("db-backoff", 5*time.Second, "how long a failed MySQL read is remembered before the next attempt")
	dbReuse := fs.Duration("db-reuse", time.Second, "how long a MySQL read also answers later Redis misses (0: every miss wave reads MySQL)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if *checkHealth {
		return healthcheck.Probe(ctx, "http://"+cfg.OriginAddr+"/healthz")
	}
	// The origin promises max-age one nginx cache span short of fresh_until (nginx.OriginMaxAge),
	// and nginx's last resort reads STATUS_DIR: the nginx file must say the same.
	if err := nginx.Check(cfg.NginxConf, nginx.ContractOf(cfg)); err != nil {
		return err
	}
	logger := telemetry.Logger(stdout, "origin")
	// go-redis logs every failed dial; during a Redis outage that is one line per visitor.
	// The origin counts them in statusedge_origin_redis_reads_total and /debug, and the
	// library's own lines go to the JSON log at debug level.
	telemetry.RouteLibraryLogs(logger)
	// Before any client: a bad worlds file stops the origin with its one line.
	srcs, err := worlds.Deployment(getenv, cfg, worlds.Legacy(cfg, "", ""))
	if err != nil {
		return err
	}
	ids := make([]string, len(srcs))
	for i, src := range srcs {
		ids[i] = src.Layout.World
	}
	plans, err := maintenance.WatchFile(getenv(maintenance.Env), ids, time.Now)
	if err != nil {
		return err
	}

	// The same client options as the snapshotter's, on every topology (redisconn), with
	// two changes. No retries: a failed Redis read falls over to MySQL, which is the retry.
	// And every call on a request's path carries its own -redis-timeout deadline (the
	// client honours contexts, and uses the earlier of the two); the client-wide bound is
	// the refill's, which runs beside the requests. That includes the dial: under a burst
	// a refill often needs a new connection, and a 100-ms dial bound left Redis empty.
	// With Sentinel the dial includes asking a sentinel for the master, with Cluster
	// learning the slots: both within the request's 100 ms, or MySQL answers.
	rdb := cfg.Redis.WithoutRetries().Client(refillTimeout)
	defer rdb.Close()

	reg := telemetry.Registry()
	vecs := newMetricVecs(reg)
	ws := make([]*world, 0, len(srcs))
	for _, src := range srcs {
		id, log := src.Layout.World, logger
		if id != "" {
			log = logger.With("world", id)
		}
		db, err := src.OpenDB(cfg, *dbTimeout, telemetry.MySQLLogger(log))
		if err != nil {
			return err
		}
		defer db.Close()
		db.SetMaxOpenConns(4)
		db.SetMaxIdleConns(2)
		db.SetConnMaxIdleTime(time.Minute)
		store := snapshot.NewWorldStore(rdb, src.Layout)
		windows := maintenance.NewStore(rdb, src.Layout.Maintenance)
		windows.Log = log // the origin reads the windows itself, and drops the bad ones too
		c := &chain{
			layout: src.Layout,
			store:  store,
			read: func(ctx context.Context) ([]snapshot.Row, error) {
				return snapshot.ReadTable(ctx, db, src.Table, cfg.MaxSnapshot)
			},
			pingDB:       db.PingContext,
			dir:          cfg.StatusDir,
			ttl:          cfg.TTL,
			maxAge:       cfg.ProbeCap(),
			redisTimeout: *redisTimeout, dbTimeout: *dbTimeout, dbBackoff: *dbBackoff, dbReuse: *dbReuse,
			now: time.Now, log: log, metrics: vecs.world(id),
			plan: planOf(plans, id, windows, *redisTimeout),
		}
		// Deferred after rdb.Close, so it runs before it: a refill still in flight when the
		// server has drained finishes (or hits refillTimeout) on an open client.
		defer c.waitRefills()
		// The debug page makes five Redis calls in a row (ping, TTL, interval, value, record)
		// under one deadline. Four times -redis-timeout: a healthy Redis answers all five in
		// well under one, and a hung one costs the operator that wait (400 ms by default),
		// and a visitor nothing.
		d := debugDeps{
			layout: src.Layout, store: store, pingDB: db.PingContext, dir: cfg.StatusDir, ttl: cfg.TTL, interval: cfg.Interval,
			redisAddr: cfg.RedisAddr(), dbAddr: src.DBAddr(cfg),
			redisTimeout: 4 * *redisTimeout, dbTimeout: *dbTimeout, plans: plans,
		}
		ws = append(ws, &world{id: id, chain: c, debug: d})
	}

	ln, err := net.Listen("tcp", cfg.OriginAddr)
	if err != nil {
		return fmt.Errorf("ORIGIN_ADDR: %w", err)
	}
	if legacy(ws) {
		logger.Info("started", "addr", ln.Addr().String(), "redis", cfg.RedisAddr(), "mysql", ws[0].debug.dbAddr, "status_dir", cfg.StatusDir)
	} else {
		ids := make([]string, len(ws))
		for i, wd := range ws {
			ids[i] = wd.id
		}
		logger.Info("started", "addr", ln.Addr().String(), "redis", cfg.RedisAddr(), "worlds", ids, "status_dir", cfg.StatusDir)
	}
	if listening != nil {
		listening(ln.Addr().String())
	}
	// The maintenance file is read again when it changes, for the answers built from MySQL.
	planCtx, stopPlans := context.WithCancel(ctx)
	var watching sync.WaitGroup
	watching.Go(func() { plans.Run(planCtx, logger, vecs.planRefused) })
	defer watching.Wait()
	defer stopPlans()
	if err := httpserver.Serve(ctx, ln, NewServer(logger, ws, reg)); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

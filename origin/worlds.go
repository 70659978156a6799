package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"statusedge/internal/config"
	"statusedge/internal/snapshot"
	"statusedge/internal/telemetry"
	"statusedge/internal/worlds"
)

// world is one game world's part of the origin: its chain and what its debug view
// inspects. Worlds share the process, the Redis client and the latency series, and
// nothing else: each has its own keys, MySQL pool, table, status copy and series.
type world struct {
	id    string // the worlds file's; "" for the one world of a deployment without it
	chain *chain
	debug debugDeps
}

// legacy reports whether ws is the one world of a deployment without a worlds file.
func legacy(ws []*world) bool { return len(ws) == 1 && ws[0].id == "" }

// worldSource is where one world's status comes from: its keys and copy (layout), its
// database (openDB, table, dbAddr for the logs and the debug page, never a password) and
// its probe interval, which caps max-age (0 without a probe).
type worldSource struct {
	layout snapshot.Layout
	openDB func() (*sql.DB, error)
	table  string
	dbAddr string
	maxAge time.Duration
}

// loadWorlds is the worlds of this deployment: those of STATUS_WORLDS_FILE, else the one
// world of today's variables (and today's keys, files and URLs). A bad file is the one
// line worlds.Load gives.
func loadWorlds(getenv func(string) string, cfg config.Config, dbTimeout time.Duration, logger *slog.Logger) ([]worldSource, error) {
	path := getenv(worlds.Env)
	if path == "" {
		src := worldSource{
			layout: snapshot.Deployment(cfg.Deployment).Legacy(), table: snapshot.DefaultTable,
			openDB: func() (*sql.DB, error) { return cfg.OpenDB(dbTimeout, telemetry.MySQLLogger(logger)) },
			dbAddr: net.JoinHostPort(cfg.DBHost, strconv.Itoa(cfg.DBPort)) + "/" + cfg.DBName,
		}
		// The origin reads the probe's settings for one thing: with a probe, answers
		// promise freshness for one probe interval at most.
		if cfg.Probing {
			src.maxAge = cfg.Probe.Interval
		}
		return []worldSource{src}, nil
	}
	ws, err := worlds.Load(path, cfg)
	if err != nil {
		return nil, err
	}
	out := make([]worldSource, len(ws))
	for i, w := range ws {
		log := logger.With("world", w.ID)
		out[i] = worldSource{
			layout: snapshot.Deployment(cfg.Deployment).World(w.ID), table: w.Table, dbAddr: w.DBAddr(cfg),
			openDB: func() (*sql.DB, error) { return w.OpenDB(cfg, dbTimeout, telemetry.MySQLLogger(log)) },
		}
		if w.Probing {
			out[i].maxAge = w.Probe.Interval
		}
	}
	return out, nil
}

// ready says which source the origin can answer from now (spec: GET /readyz): without a
// worlds file, the chain's Ready. With one: Redis, which every world shares, else MySQL
// when every world's answers. A world whose database is down while Redis is too can
// answer only from what it knew, so the origin is not ready; every world is pinged at
// once, each under -db-timeout, so that one hung database costs the probe one deadline.
func ready(ctx context.Context, ws []*world) (string, error) {
	if legacy(ws) {
		return ws[0].chain.Ready(ctx)
	}
	c := ws[0].chain
	rctx, cancel := context.WithTimeout(ctx, c.redisTimeout)
	defer cancel()
	redisErr := c.store.Ping(rctx)
	if redisErr == nil {
		return sourceRedis, nil
	}
	errs := make([]error, len(ws))
	var wg sync.WaitGroup
	for i, wd := range ws {
		wg.Go(func() {
			dctx, cancel := context.WithTimeout(ctx, wd.chain.dbTimeout)
			defer cancel()
			if err := wd.chain.pingDB(dctx); err != nil {
				errs[i] = fmt.Errorf("world %q: %w", wd.id, err)
			}
		})
	}
	wg.Wait()
	if dbErr := errors.Join(errs...); dbErr != nil {
		return "", fmt.Errorf("neither Redis nor every world's MySQL answers: %w", errors.Join(redisErr, dbErr))
	}
	return "mysql", nil
}

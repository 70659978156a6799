package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

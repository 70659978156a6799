package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"statusedge/internal/snapshot"
)

// debugInfo is the ops view of GET /server/status/debug: how old the snapshot is, and why.
type debugInfo struct {
	Now           time.Time               `json:"now"`
	Cached        bool                    `json:"cached"` // Redis holds server:status
	UpdatedAt     *time.Time              `json:"updated_at"`
	FreshUntil    *time.Time              `json:"fresh_until"`
	AgeSeconds    *int64                  `json:"age_seconds"`
	TTL           int64                   `json:"ttl"` // Redis TTL of server:status in seconds; -2 absent, -1 no expiry
	IsFresh       bool                    `json:"is_fresh"`
	Interval      int64                   `json:"interval"` // seconds between refreshes in force
	IntervalFrom  string                  `json:"interval_from"`
	CacheTTL      int64                   `json:"cache_ttl"` // STATUS_CACHE_TTL
	File          fileInfo                `json:"file"`
	Redis         reach                   `json:"redis"`
	MySQL         reach                   `json:"mysql"`
	Snapshotter   *snapshot.RefreshRecord `json:"snapshotter_last_refresh"`
	SnapshotterEr string                  `json:"snapshotter_error,omitempty"`
	Fallbacks     []snapshot.Fallback     `json:"fallbacks"` // constants that took their defaults
	OriginDBError string                  `json:"origin_mysql_error,omitempty"`
}

type fileInfo struct {
	Path       string     `json:"path"`
	Present    bool       `json:"present"`
	ModifiedAt *time.Time `json:"modified_at,omitempty"`
	AgeSeconds *int64     `json:"age_seconds,omitempty"`
	Valid      bool       `json:"valid"`
	Error      string     `json:"error,omitempty"`
}

type reach struct {
	Addr      string `json:"addr"` // never carries a password
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
}

// debugDeps are what the debug view inspects beyond the chain.
type debugDeps struct {
	chain     *chain
	pingDB    func(context.Context) error
	redisAddr string
	dbAddr    string
	interval  time.Duration
	now       func() time.Time
}

func handleDebug(logger *slog.Logger, d debugDeps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		info := d.collect(r.Context())
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(info); err != nil {
			logger.Debug("write debug", "err", err)
		}
	}
}

func (d debugDeps) collect(ctx context.Context) debugInfo {
	c := d.chain
	now := d.now()
	info := debugInfo{Now: now.UTC(), CacheTTL: int64(c.ttl / time.Second), TTL: -2,
		Interval: int64(d.interval / time.Second), IntervalFrom: "STATUS_UPDATE_INTERVAL"}
	info.Redis.Addr, info.MySQL.Addr = d.redisAddr, d.dbAddr
	rctx, cancel := context.WithTimeout(ctx, 4*c.redisTimeout)
	defer cancel()

	// The snapshot ops care about: Redis's if readable, else the last one known.
	var best *known
	if err := c.store.Ping(rctx); err != nil {
		info.Redis.Error = err.Error()
	} else {
		info.Redis.Reachable = true
		if data, err := c.store.Get(rctx); err == nil {
			if snap, err := snapshot.Parse(data); err == nil {
				k := newKnown(data, snap)
				info.Cached, best = true, &k
			}
		}
		if ttl, err := c.store.TTL(rctx); err == nil {
			info.TTL = int64(ttl / time.Second)
			if ttl < 0 {
				info.TTL = int64(ttl) // go-redis passes -1 and -2 through as nanoseconds
			}
		}
		if rec, ok, err := c.store.Record(rctx); err != nil {
			info.SnapshotterEr = err.Error()
		} else if ok {
			info.Snapshotter = &rec
			info.Fallbacks = rec.Fallbacks
		} else {
			info.SnapshotterEr = "no refresh recorded in Redis: the snapshotter has not run against this Redis"
		}
		if o, err := c.store.IntervalOverride(rctx); err != nil {
			info.IntervalFrom = "STATUS_UPDATE_INTERVAL (override ignored: " + err.Error() + ")"
		} else if o >= c.ttl {
			info.IntervalFrom = "STATUS_UPDATE_INTERVAL (override ignored: not below STATUS_CACHE_TTL)"
		} else if o > 0 {
			info.Interval, info.IntervalFrom = int64(o/time.Second), snapshot.KeyInterval
		}
	}
	dctx, cancel := context.WithTimeout(ctx, c.dbTimeout)
	defer cancel()
	if err := d.pingDB(dctx); err != nil {
		info.MySQL.Error = err.Error()
	} else {
		info.MySQL.Reachable = true
	}

	info.File.Path = c.dir + "/" + snapshot.FileName
	if data, fi, err := snapshot.ReadFile(c.dir); err != nil {
		info.File.Error = err.Error()
	} else {
		mt := fi.ModTime().UTC()
		info.File.Present, info.File.ModifiedAt = true, &mt
		if snap, err := snapshot.Parse(data); err != nil {
			info.File.Error = err.Error()
		} else {
			// Its age is the snapshot's, from updated_at: an mtime can be touched or lie
			// after the clock steps back.
			age := snap.Age(now)
			info.File.Valid, info.File.AgeSeconds = true, &age
			if ahead := mt.Sub(now); ahead > time.Second {
				info.File.Error = fmt.Sprintf("modified %d s in the future (clock stepped back, or touched): ignored, age from updated_at", int64(ahead/time.Second))
			}
			if best == nil || snap.UpdatedAt.After(best.snap.UpdatedAt) {
				k := newKnown(data, snap)
				best = &k
			}
		}
	}
	c.mu.Lock()
	if best == nil && c.last != nil {
		best = c.last
	}
	if c.dbErr != nil {
		info.OriginDBError = c.dbErr.Error()
	}
	if info.Fallbacks == nil {
		info.Fallbacks = c.fallbacks
	}
	c.mu.Unlock()
	if best != nil {
		age := best.snap.Age(now)
		info.UpdatedAt, info.FreshUntil, info.AgeSeconds = &best.snap.UpdatedAt, &best.snap.FreshUntil, &age
		info.IsFresh = best.snap.Fresh(now)
	}
	if info.Fallbacks == nil {
		info.Fallbacks = []snapshot.Fallback{}
	}
	return info
}

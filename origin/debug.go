package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// debugInfo is the ops view of GET /server/status/debug: how old the snapshot is, and why.
// With a worlds file it is one world's entry of worldsDebugInfo: World is set, and Now and
// Redis, which every world shares, are left out of it (zero).
type debugInfo struct {
	World            string                  `json:"world,omitempty"`
	Now              time.Time               `json:"now,omitzero"`
	Cached           bool                    `json:"cached"` // Redis holds server:status
	UpdatedAt        *time.Time              `json:"updated_at"`
	FreshUntil       *time.Time              `json:"fresh_until"`
	AgeSeconds       *int64                  `json:"age_seconds"`
	TTL              int64                   `json:"ttl"` // Redis TTL of server:status in seconds; -2 absent, -1 no expiry
	IsFresh          bool                    `json:"is_fresh"`
	Interval         int64                   `json:"interval"` // seconds between refreshes in force
	IntervalFrom     string                  `json:"interval_from"`
	CacheTTL         int64                   `json:"cache_ttl"` // STATUS_CACHE_TTL
	File             fileInfo                `json:"file"`
	Redis            reach                   `json:"redis,omitzero"`
	MySQL            reach                   `json:"mysql"`
	Snapshotter      *snapshot.RefreshRecord `json:"snapshotter_last_refresh"`
	SnapshotterError string                  `json:"snapshotter_error,omitempty"`
	Fallbacks        []snapshot.Fallback     `json:"fallbacks"` // constants that took their defaults
	OriginDBError    string                  `json:"origin_mysql_error,omitempty"`
	// Probe is the game-server probe's state as the snapshot shown above carries it.
	Probe *probeState `json:"probe,omitempty"`
	// PlayersError is the snapshotter's reason for a null player count, from its record.
	PlayersError string `json:"players_error,omitempty"`
	// RedisRefused says why the snapshot in Redis is not served (snapshot.Plausible:
	// dated ahead of this clock, or too long a window); LastRefused is the last one this
	// process refused, from Redis or status.json.
	RedisRefused string            `json:"redis_refused,omitempty"`
	LastRefused  *snapshot.Refusal `json:"last_refused,omitempty"`
	// MaintenanceFileError is why the maintenance file as it stands is refused: the last
	// good plan stays in force (for the answers built from MySQL) until it is good again.
	MaintenanceFileError string `json:"maintenance_file_error,omitempty"`
}

// probeState is the snapshot's online, checked_at and players, and the probe's last round
// as the snapshotter stored it in Redis: with the targets' addresses and errors, which the
// public snapshot leaves out.
type probeState struct {
	Online    bool      `json:"online"`
	CheckedAt time.Time `json:"checked_at"`
	Players   *int64    `json:"players"`
	// RoundAt is when the round in Targets started (the snapshot's checked_at, unless a
	// newer round is not published yet or the snapshot shown is older); absent with none.
	RoundAt *time.Time `json:"round_at,omitempty"`
	// Targets: empty without a probe, or when Redis holds no round (RoundError says why).
	Targets    []snapshot.ProbeResult `json:"targets"`
	RoundError string                 `json:"round_error,omitempty"`
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

// debugDeps are what the debug view of one world inspects beyond the chain's own view.
type debugDeps struct {
	layout    snapshot.Layout // the world's keys (in store) and its status copy's name
	store     statusStore
	pingDB    func(context.Context) error
	dir       string
	ttl       time.Duration // STATUS_CACHE_TTL
	interval  time.Duration // STATUS_UPDATE_INTERVAL
	redisAddr string
	dbAddr    string
	// The page's own deadlines: it makes several Redis calls in a row, and an operator
	// can wait longer for it than a visitor for the status.
	redisTimeout time.Duration
	dbTimeout    time.Duration
	plans        *maintenance.FileWatch
}

func handleDebug(logger *slog.Logger, c *chain, d debugDeps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		info := d.collect(r.Context(), c.view())
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(info); err != nil {
			logger.Debug("write debug", "err", err)
		}
	}
}

// collect asks every source in turn; v is the chain's view, and its time is the page's now.
func (d debugDeps) collect(ctx context.Context, v chainView) debugInfo {
	info := debugInfo{Now: v.at.UTC(), CacheTTL: seconds(d.ttl), TTL: snapshot.Expiry{}.Seconds(),
		Interval: seconds(d.interval), IntervalFrom: "STATUS_UPDATE_INTERVAL"}
	info.Redis.Addr, info.MySQL.Addr = d.redisAddr, d.dbAddr
	info.LastRefused = v.refused
	if err := d.plans.Err(); err != nil {
		info.MaintenanceFileError = err.Error()
	}
	if v.dbErr != nil {
		info.OriginDBError = v.dbErr.Error()
	}
	rctx, cancel := context.WithTimeout(ctx, d.redisTimeout)
	defer cancel()
	cached := d.redisState(rctx, &info)
	if info.Redis.Reachable {
		d.snapshotterRecord(rctx, &info)
	}
	d.mysqlState(ctx, &info)
	onDisk := d.fileState(v.at, &info)

	// The snapshot ops care about: the newer of Redis's and the file's, else the last one
	// this process served.
	best := cached
	if onDisk != nil && (best == nil || onDisk.snap.UpdatedAt.After(best.snap.UpdatedAt)) {
		best = onDisk
	}
	if best == nil {
		best = v.last
	}
	if best != nil {
		age := best.snap.Age(v.at)
		info.UpdatedAt, info.FreshUntil, info.AgeSeconds = &best.snap.UpdatedAt, &best.snap.FreshUntil, &age
		info.IsFresh = best.snap.Fresh(v.at)
		info.Probe = &probeState{Online: best.snap.Online, CheckedAt: best.snap.CheckedAt, Players: best.snap.Players, Targets: []snapshot.ProbeResult{}}
		d.probeRound(ctx, info.Redis.Reachable, len(best.snap.Probe) > 0, info.Probe)
	}
	// The snapshotter's account of the constants is the one in force; the origin's own
	// MySQL read stands in when the snapshotter has recorded none.
	if info.Fallbacks == nil {
		info.Fallbacks = v.fallbacks
	}
	if info.Fallbacks == nil {
		info.Fallbacks = []snapshot.Fallback{}
	}
	return info
}

// redisState fills Redis's reachability, the key's TTL and the interval in force, and
// returns the snapshot Redis holds if it is readable.
func (d debugDeps) redisState(ctx context.Context, info *debugInfo) *servable {
	if err := d.store.Ping(ctx); err != nil {
		info.Redis.Error = err.Error()
		return nil
	}
	info.Redis.Reachable = true
	if e, err := d.store.TTL(ctx); err == nil {
		info.TTL = e.Seconds()
	}
	in := d.store.Interval(ctx, d.interval, d.ttl)
	info.Interval = seconds(in.Every)
	switch {
	case in.Ignored != nil:
		info.IntervalFrom = "STATUS_UPDATE_INTERVAL (override ignored: " + in.Ignored.Error() + ")"
	case in.Override:
		info.IntervalFrom = in.Key
	}
	data, err := d.store.Get(ctx)
	if err != nil {
		return nil
	}
	snap, err := worldstate.Read(data)
	if err != nil {
		return nil
	}
	info.Cached = true
	if err := snap.Plausible(info.Now, d.ttl); err != nil {
		info.RedisRefused = err.Error()
		return nil
	}
	s := newServable(data, snap)
	return &s
}

// snapshotterRecord fills the snapshotter's last refresh as it recorded it in Redis.
func (d debugDeps) snapshotterRecord(ctx context.Context, info *debugInfo) {
	rec, ok, err := d.store.Record(ctx)
	switch {
	case err != nil:
		info.SnapshotterError = err.Error()
	case !ok:
		info.SnapshotterError = "no refresh recorded in Redis: the snapshotter has not run against this Redis"
	default:
		info.Snapshotter, info.Fallbacks, info.PlayersError = &rec, rec.Fallbacks, rec.PlayersError
	}
}

// probeRound fills the probe's last round from Redis. probed says whether the snapshot
// shown carries a round, so that a missing one is worth a word.
func (d debugDeps) probeRound(ctx context.Context, reachable, probed bool, p *probeState) {
	if !reachable {
		if probed {
			p.RoundError = "Redis unreachable: the round's targets are in the snapshotter's /healthz"
		}
		return
	}
	// Its own deadline: the MySQL check since the other Redis calls may have used theirs.
	ctx, cancel := context.WithTimeout(ctx, d.redisTimeout)
	defer cancel()
	r, ok, err := d.store.ProbeRound(ctx)
	switch {
	case err != nil:
		p.RoundError = err.Error()
	case !ok:
		if probed {
			p.RoundError = "no probe round in Redis (" + d.layout.ProbeRound + "): see the leading snapshotter's /healthz"
		}
	default:
		at := r.At.UTC()
		p.RoundAt, p.Targets = &at, r.Targets
		if p.Targets == nil {
			p.Targets = []snapshot.ProbeResult{}
		}
	}
}

// mysqlState fills MySQL's reachability (the world's own pool).
func (d debugDeps) mysqlState(ctx context.Context, info *debugInfo) {
	dctx, cancel := context.WithTimeout(ctx, d.dbTimeout)
	defer cancel()
	if err := d.pingDB(dctx); err != nil {
		info.MySQL.Error = err.Error()
		return
	}
	info.MySQL.Reachable = true
}

// fileState fills the status copy's presence, age and validity (status.json without a
// worlds file), and returns its snapshot if valid.
func (d debugDeps) fileState(now time.Time, info *debugInfo) *servable {
	info.File.Path = filepath.Join(d.dir, d.layout.StatusFile)
	data, fi, err := d.layout.ReadFile(d.dir)
	if err != nil {
		info.File.Error = err.Error()
		return nil
	}
	mt := fi.ModTime().UTC()
	info.File.Present, info.File.ModifiedAt = true, &mt
	snap, err := worldstate.Read(data)
	if err == nil {
		err = snap.Plausible(now, d.ttl)
	}
	if err != nil {
		info.File.Error = err.Error()
		return nil
	}
	// Its age is the snapshot's, from updated_at: an mtime can be touched, or lie after
	// the clock steps back.
	age := snap.Age(now)
	info.File.Valid, info.File.AgeSeconds = true, &age
	if ahead := mt.Sub(now); ahead > time.Second {
		info.File.Error = fmt.Sprintf("modified %d s in the future (clock stepped back, or touched): ignored, age from updated_at", seconds(ahead))
	}
	s := newServable(data, snap)
	return &s
}

// seconds is d in whole seconds, the unit of every duration in the debug output.
func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// worldsDebugInfo is GET /server/status/debug with a worlds file: every world's view, in
// the file's order, and the Redis they share.
type worldsDebugInfo struct {
	Now    time.Time   `json:"now"`
	Worlds []debugInfo `json:"worlds"`
	Redis  reach       `json:"redis"`
}

// handleWorldsDebug is the debug page of several worlds. Each world's view is collected
// on its own goroutine, with the page's own deadlines (the Redis calls under
// redisTimeout, the MySQL ping under dbTimeout): the page takes as long as its slowest
// world, never the sum, so one world's hung database or Redis costs the operator one
// -db-timeout however many worlds there are.
func handleWorldsDebug(logger *slog.Logger, ws []*world) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		info := worldsDebugInfo{Now: ws[0].chain.now().UTC(), Worlds: make([]debugInfo, len(ws))}
		var wg sync.WaitGroup
		for i, wd := range ws {
			wg.Go(func() {
				d := wd.debug.collect(ctx, wd.chain.view())
				d.World, d.Now, d.Redis = wd.id, time.Time{}, reach{}
				info.Worlds[i] = d
			})
		}
		wg.Go(func() { info.Redis = ws[0].debug.redisReach(ctx) })
		wg.Wait()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(info); err != nil {
			logger.Debug("write debug", "err", err)
		}
	}
}

// redisReach is Redis's reachability, under the page's Redis deadline.
func (d debugDeps) redisReach(ctx context.Context) reach {
	ctx, cancel := context.WithTimeout(ctx, d.redisTimeout)
	defer cancel()
	r := reach{Addr: d.redisAddr, Reachable: true}
	if err := d.store.Ping(ctx); err != nil {
		r.Reachable, r.Error = false, err.Error()
	}
	return r
}

package main

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/history"
	"statusedge/internal/leader"
	"statusedge/internal/maintenance"
	"statusedge/internal/notify"
	"statusedge/internal/probe"
	"statusedge/internal/replica"
	"statusedge/internal/samples"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// worldSetup is what the snapshotter is told of one game world: by the worlds file
// (STATUS_WORLDS_FILE), or by today's variables for the one world of a deployment
// without it (snapshot.Legacy's keys, files and URLs).
type worldSetup struct {
	layout         snapshot.Layout
	nameEN, nameRU string
	// openDB opens the pool of the world's `constants` (table, "constants" by default).
	openDB  func(timeout time.Duration, logger *slog.Logger) (*sql.DB, error)
	table   string
	players string // STATUS_PLAYERS_QUERY or the world's; "" for none
	probe   probe.Config
	probing bool
	webhook string // "" for none
	// telegramChat is the world's telegram_chat_id, else STATUS_TELEGRAM_CHAT_ID; "" for
	// none.
	telegramChat string
}

// world is one game world's part of the snapshotter: its database pool, its refresher
// (read, Redis, STATUS_DIR) and its probe with its webhook. Worlds share the process, the
// Redis client and the lease, and nothing else: each runs on its own schedule, so that
// one world's hung database or game server never delays another.
type world struct {
	setup   worldSetup
	db      *sql.DB
	r       *replica.Refresher
	w       *replica.Watcher // nil without a probe
	metrics *replica.Series
	hist    *history.Store
	plan    *worldstate.PlanSource
	minutes *replica.Minutes // nil for -once
	samples *samples.Store
	sampler *replica.Sampler // nil for -once
	// playersEvery is STATUS_PLAYERS_INTERVAL (worldDeps).
	playersEvery time.Duration
	log          *slog.Logger // the world's
}

// worldDeps are what every world is built with.
type worldDeps struct {
	dir          string
	ttl          time.Duration
	maxAge       time.Duration
	maxSnapshot  int
	dbTimeout    time.Duration
	redisTimeout time.Duration
	webhookGap   time.Duration
	// telegram is the bot the worlds post with (no Token: Telegram is off).
	telegram notify.Telegram
	rdb      redis.UniversalClient
	vecs     *replica.MetricVecs
	log      *slog.Logger
	// role is the lease every world publishes under; nil for -once (a plain SETEX).
	role *leader.Role
	// published, when set, is told after every write of a world's STATUS_DIR copy (the
	// worlds index and the historian).
	published func()
	// plans is the maintenance file (STATUS_MAINTENANCE_FILE) as last read well.
	plans *maintenance.FileWatch
	// playersEvery is STATUS_PLAYERS_INTERVAL; 0: the count is read with each database read.
	playersEvery time.Duration
}

// notify tells published, if set, of a write.
func (d worldDeps) notify() {
	if d.published != nil {
		d.published()
	}
}

// newWorld opens the world's pool and builds its parts; nothing runs yet. Its STATUS_DIR
// documents are recovered and loaded as at start.
func newWorld(s worldSetup, d worldDeps) (*world, error) {
	log := d.log
	if s.layout.World != "" {
		log = log.With("world", s.layout.World)
	}
	if s.webhook != "" && !s.probing && s.layout.World != "" {
		log.Warn("webhook_url is set without game_server: the webhook tells probe flips, so it stays silent")
	}
	if s.telegramChat != "" && d.telegram.Token != "" && !s.probing {
		log.Warn("a Telegram chat is set without a probe (GAME_SERVER_ADDR, or the world's game_server): the chat stays silent")
	}
	db, err := s.openDB(d.dbTimeout, log)
	if err != nil {
		return nil, err
	}
	// One read per interval: no connection is kept between reads, for a firewall to cut,
	// or to add up over worlds (one each would take a stock MySQL's 151 at 150 worlds).
	db.SetMaxOpenConns(2)
	db.SetMaxIdleConns(0)
	store := snapshot.NewWorldStore(d.rdb, s.layout)
	m := d.vecs.World(s.layout.World)
	local := replica.NewLocal(snapshot.NewWorldPublisher(d.dir, s.layout, d.maxAge, time.Now, time.Sleep), d.dir, s.layout,
		d.ttl, time.Now, log, m)
	local.Published = d.published
	windows := maintenance.NewStore(d.rdb, s.layout.Maintenance)
	windows.Log = log
	pl := worldstate.NewPlanSource(d.plans, s.layout.World, windows, d.redisTimeout, log)
	c := replica.Config{
		Source: replica.Source{DB: db, Table: s.table, MaxSnapshot: d.maxSnapshot, PlayersQuery: s.players},
		Store:  store, Put: store.Put, Local: local,
		TTL: d.ttl, DBTimeout: d.dbTimeout, RedisTimeout: d.redisTimeout,
		Now: time.Now, Log: log, Metrics: m, Plan: pl.At,
		Sampling: d.role != nil && s.players != "" && d.playersEvery > 0,
	}
	if d.role != nil {
		c.Put, c.Leading = d.role.PublishTo(store, s.layout.Fence), d.role.Acting
	}
	r := replica.NewRefresher(c)
	wd := &world{setup: s, db: db, r: r, metrics: m, plan: pl, log: log, hist: history.NewStore(d.rdb, historyKeys(s.layout))}
	wd.hist.Log = log
	wd.playersEvery = d.playersEvery
	wd.samples = samples.NewStore(d.rdb, samples.Keys{Players: s.layout.Players, Answer: s.layout.Answer, Daily: s.layout.Daily, Fence: s.layout.Fence})
	wd.samples.Log = log
	if d.role != nil {
		wd.sampler = replica.NewSampler(r, wd.samples, d.role, s.layout.Fence, d.playersEvery, log)
	}
	if d.role != nil {
		wd.minutes = replica.NewMinutes(r, pl, wd.hist, d.role, d.redisTimeout, log)
		// The leader records a flip as its status copy is written, not a tick later.
		local.Published = func() { wd.minutes.Touch(); d.notify() }
	}
	if s.probing && d.role != nil {
		pm := d.vecs.Probe(s.layout.World)
		notifiers, err := channelsOf(s, d, store, pm, log)
		if err != nil {
			db.Close()
			return nil, err
		}
		wd.w = replica.NewWatcher(probe.NewLoop(s.probe, time.Now), notifiers, wd.hist, r, log, pm)
		wd.w.Answer = wd.sampler.Answer
	}
	return wd, nil
}

// channelsOf are the world's notifiers: its webhook and its Telegram chat, each with its
// own state key, delivered by the same rules.
func channelsOf(s worldSetup, d worldDeps, store *snapshot.Store, pm *replica.ProbeSeries, log *slog.Logger) ([]*notify.Notifier, error) {
	o := notify.Options{
		MinGap: d.webhookGap, StoreTimeout: d.redisTimeout, Leading: d.role.Acting,
		World: notify.World{ID: s.layout.World, Name: maintenance.Text{EN: s.nameEN, RU: s.nameRU}},
	}
	var out []*notify.Notifier
	if s.webhook != "" {
		wo := o
		wo.State, wo.Failed = store, pm.WebhookFailures.Inc
		n, err := notify.New(log, s.webhook, wo)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if s.telegramChat != "" && d.telegram.Token != "" {
		to := o
		to.State, to.Failed = store.TelegramState(), pm.TelegramFailures.Inc
		n, err := notify.NewTelegram(log, d.telegram, s.telegramChat, to)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// start readies STATUS_DIR for the running snapshotter: a crash mid-publish leaves every
// served name complete but maybe mixed, so the folder is made to say exactly what the
// status copy says (or, when that is forged, nothing of it), and that copy is what later
// snapshots are compared with.
func (w *world) start() {
	local := w.r.Local()
	if err := local.Recover(); err != nil {
		w.log.Warn("recover STATUS_DIR", "dir", local.Dir(), "err", err)
	}
	if err := local.Load(); err != nil {
		w.log.Warn("read STATUS_DIR", "dir", local.Dir(), "err", err)
	}
}

// tasks are what the world's leader runs: the refresh loop and, with a probe, the probe.
func (w *world) tasks(interval time.Duration) []func(context.Context) {
	t := []func(context.Context){func(ctx context.Context) { w.r.Loop(ctx, interval) }, w.minutes.Run}
	if w.w != nil {
		t = append(t, w.w.Run)
	}
	if w.setup.players != "" && w.playersEvery > 0 {
		t = append(t, w.sampler.Run)
	}
	return t
}

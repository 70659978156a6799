package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/config"
	"statusedge/internal/notify"
	"statusedge/internal/redisconn"
)

// Redis keys of the contract.
const (
	KeyStatus      = "server:status"
	KeyLastRefresh = "server:status:last_refresh"
	KeyInterval    = "config:status_interval"
	// Channel carries the snapshot bytes after every accepted PutFenced, so that
	// followers refresh their STATUS_DIR at once instead of on their next poll. Pub/sub
	// is fire-and-forget: followers still poll, the message only shortens the wait.
	// Cluster broadcasts PUBLISH to every node, so a subscriber may listen on any.
	Channel = KeyStatus + ":published"
	// KeyProbeRound holds the probe's last round with addresses and errors, for ops: the
	// public snapshot carries only each target's ok and latency.
	KeyProbeRound = "server:status:probe"
	// KeyWebhook holds what the webhook's readers were last told and the message on its
	// way (notify.State, JSON, no expiry), so that a new leader neither drops a message
	// the old one could not deliver nor repeats one it did. One key: fine in Cluster.
	KeyWebhook = "server:status:webhook"
	// KeyTelegram is the Telegram chat's state, as KeyWebhook is the webhook's: each
	// channel tells its own readers what they have not heard.
	KeyTelegram = "server:status:telegram"
	// FileName is the snapshot's name inside STATUS_DIR.
	FileName = "status.json"
)

// Interval override bounds (spec: config:status_interval).
const (
	MinInterval = 5 * time.Second
	MaxInterval = 86400 * time.Second
)

// RefreshRecord is the snapshotter's account of its last attempt, kept in Redis for ops.
type RefreshRecord struct {
	At         time.Time  `json:"at"`
	OK         bool       `json:"ok"`
	Error      string     `json:"error,omitempty"`
	DurationMS int64      `json:"duration_ms"`
	UpdatedAt  *time.Time `json:"updated_at,omitempty"`
	Fallbacks  []Fallback `json:"fallbacks"`
	// PlayersError says why STATUS_PLAYERS_QUERY gave no count (players is null).
	PlayersError string `json:"players_error,omitempty"`
}

// Store is one world's snapshot's Redis side, at its Layout's keys.
type Store struct {
	rdb       redis.UniversalClient
	cli       string // redisconn.CLI(rdb), for the repairs the errors print
	keys      Layout
	putFenced *redis.Script
}

// NewStore wraps a client for the keys of Legacy; the client's options carry the deadlines.
func NewStore(rdb redis.UniversalClient) *Store { return NewWorldStore(rdb, Legacy()) }

// NewWorldStore wraps a client for the keys of l.
func NewWorldStore(rdb redis.UniversalClient, l Layout) *Store {
	return &Store{rdb: rdb, cli: redisconn.CLI(rdb), keys: l, putFenced: redis.NewScript(putFencedScript)}
}

// Layout is where the store keeps its world.
func (s *Store) Layout() Layout { return s.keys }

// Store is the one writer of server:status: Put for an operator's forced refresh
// (`snapshotter -once`) and the origin's refill, PutFenced for a fleet's leader. Both
// take the TTL as SETEX does: whole seconds, cut down, at least one.

// ttlSeconds is ttl as SETEX takes it, cut down to whole seconds: never longer than
// asked (a key must not outlive fresh_until); under a second is refused.
func ttlSeconds(ttl time.Duration) (int64, error) {
	if ttl < time.Second {
		return 0, fmt.Errorf("redis setex: ttl %s: want at least a second", ttl)
	}
	return int64(ttl / time.Second), nil
}

// Put stores the snapshot bytes for ttl (SETEX).
func (s *Store) Put(ctx context.Context, data []byte, ttl time.Duration) error {
	secs, err := ttlSeconds(ttl)
	if err != nil {
		return err
	}
	// SETEX itself: the contract names the command.
	if err := s.rdb.Do(ctx, "SETEX", s.keys.Status, secs, data).Err(); err != nil {
		return fmt.Errorf("redis setex %s: %w", s.keys.Status, err)
	}
	return nil
}

// putFencedScript writes the snapshot unless a bigger token exists, raises the fence to
// the token it accepted, and announces the bytes. KEYS: status, fence. ARGV: token,
// TTL seconds, data, channel.
const putFencedScript = FenceLua + `
redis.call('SETEX', KEYS[1], ARGV[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[3])
return 1
`

// FenceLua opens every fenced write's script (the snapshot's, a minute of history): a
// token (ARGV[1]) below the world's fence (KEYS[2]) is refused with 0, a bigger one
// raises the fence, so that once a newer leader wrote, no older one writes again.
const FenceLua = FenceReadLua + `
local token = tonumber(ARGV[1])
if token < fence then
  return 0
end
if token > fence then
  redis.call('SET', KEYS[2], ARGV[1])
end`

// PutFenced stores data as server:status for ttl unless fenceKey holds a bigger token
// than token (internal/lease issues the tokens and names the key, in server:status's
// hash slot), then announces data on Channel. accepted is false when the write was
// refused: a newer leader exists (or existed).
func (s *Store) PutFenced(ctx context.Context, token int64, data []byte, ttl time.Duration) (accepted bool, err error) {
	if token < 1 {
		return false, fmt.Errorf("redis setex %s: token %d: tokens start at 1", s.keys.Status, token)
	}
	secs, err := ttlSeconds(ttl)
	if err != nil {
		return false, err
	}
	n, err := s.putFenced.Run(ctx, s.rdb, []string{s.keys.Status, s.keys.Fence}, token, secs, data, s.keys.Channel).Int64()
	if err != nil {
		return false, fmt.Errorf("redis setex %s: %w", s.keys.Status, FenceError(err, s.cli, s.keys.Fence))
	}
	return n == 1, nil
}

// ErrMiss is returned by Get when the key is absent.
var ErrMiss = errors.New("redis: no snapshot")

// Get returns the stored snapshot bytes, ErrMiss when absent.
func (s *Store) Get(ctx context.Context) ([]byte, error) {
	b, err := s.rdb.Get(ctx, s.keys.Status).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrMiss
	}
	if err != nil {
		return nil, fmt.Errorf("redis get %s: %w", s.keys.Status, err)
	}
	return b, nil
}

// Expiry is what Redis says of server:status's remaining life.
type Expiry struct {
	Exists  bool          // the key is present
	Expires bool          // it has a TTL; a key without one would never leave Redis
	Left    time.Duration // remaining life, when Expires
}

// Seconds is the answer of Redis's TTL command: -2 absent, -1 no expiry, else whole seconds.
func (e Expiry) Seconds() int64 {
	switch {
	case !e.Exists:
		return -2
	case !e.Expires:
		return -1
	}
	return int64(e.Left / time.Second)
}

// TTL reports the key's remaining life.
func (s *Store) TTL(ctx context.Context) (Expiry, error) {
	d, err := s.rdb.TTL(ctx, s.keys.Status).Result()
	if err != nil {
		return Expiry{}, fmt.Errorf("redis ttl %s: %w", s.keys.Status, err)
	}
	// go-redis multiplies real TTLs by the unit but passes Redis's -2 (absent) and -1
	// (no expiry) through as bare nanoseconds.
	switch d {
	case -2:
		return Expiry{}, nil
	case -1:
		return Expiry{Exists: true}, nil
	}
	return Expiry{Exists: true, Expires: true, Left: d}, nil
}

// PutRecord stores the last refresh attempt. It has no TTL: an old record is itself news.
func (s *Store) PutRecord(ctx context.Context, r RefreshRecord) error {
	return putJSON(ctx, s.rdb, s.keys.LastRefresh, r, 0)
}

// Record returns the last refresh attempt; ok is false when none is stored.
func (s *Store) Record(ctx context.Context) (RefreshRecord, bool, error) {
	return getJSON[RefreshRecord](ctx, s.rdb, s.keys.LastRefresh)
}

// PutProbeRound stores the probe's last round for ttl: past the snapshot's freshness an
// old round tells ops nothing the snapshotter's own /healthz does not.
func (s *Store) PutProbeRound(ctx context.Context, r ProbeRound, ttl time.Duration) error {
	return putJSON(ctx, s.rdb, s.keys.ProbeRound, r, ttl)
}

// ProbeRound returns the probe's last round; ok is false when none is stored.
func (s *Store) ProbeRound(ctx context.Context) (ProbeRound, bool, error) {
	return getJSON[ProbeRound](ctx, s.rdb, s.keys.ProbeRound)
}

// WebhookState returns the webhook's state; ok is false when none is stored (a fresh
// deployment).
func (s *Store) WebhookState(ctx context.Context) (notify.State, bool, error) {
	return channelState(ctx, s.rdb, s.keys.Webhook)
}

// PutWebhookState stores the webhook's state. It has no TTL: what the readers were told
// stays true however long the game server keeps its state.
func (s *Store) PutWebhookState(ctx context.Context, st notify.State) error {
	return putJSON(ctx, s.rdb, s.keys.Webhook, st, 0)
}

// TelegramState is the Telegram chat's state store (Layout.Telegram), for
// notify.Options.State. It answers to notify.StateStore's method names, which the
// webhook's state had first.
func (s *Store) TelegramState() ChannelState { return ChannelState{rdb: s.rdb, key: s.keys.Telegram} }

// ChannelState keeps one notify channel's state under one key, with no TTL.
type ChannelState struct {
	rdb redis.UniversalClient
	key string
}

// WebhookState returns the channel's state; ok is false when none is stored.
func (c ChannelState) WebhookState(ctx context.Context) (notify.State, bool, error) {
	return channelState(ctx, c.rdb, c.key)
}

// PutWebhookState stores the channel's state.
func (c ChannelState) PutWebhookState(ctx context.Context, st notify.State) error {
	return putJSON(ctx, c.rdb, c.key, st, 0)
}

// putJSON stores v as JSON under key for ttl (0: no expiry).
func putJSON(ctx context.Context, rdb redis.UniversalClient, key string, v any, ttl time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if err := rdb.Set(ctx, key, b, ttl).Err(); err != nil {
		return fmt.Errorf("redis set %s: %w", key, err)
	}
	return nil
}

// errDamaged marks a key that answered with what no statusedge program wrote there (not
// its JSON, or another type): damage, which a caller may rebuild, not an outage, which it
// waits out.
var errDamaged = errors.New("damaged: not what statusedge writes there")

// getJSON reads the JSON under key; ok is false when the key is absent. A key holding
// something else is errDamaged.
func getJSON[T any](ctx context.Context, rdb redis.UniversalClient, key string) (v T, ok bool, err error) {
	b, err := rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return v, false, nil
	}
	if redisconn.WrongType(err) {
		return v, false, fmt.Errorf("redis get %s: %w (%w)", key, errDamaged, err)
	}
	if err != nil {
		return v, false, fmt.Errorf("redis get %s: %w", key, err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, false, fmt.Errorf("decode %s: %w (%w)", key, errDamaged, err)
	}
	return v, true, nil
}

// channelState reads a notify channel's state under key; a damaged one is
// notify.ErrDamagedState, which the notifier rebuilds rather than waiting for a Redis
// that answers already.
func channelState(ctx context.Context, rdb redis.UniversalClient, key string) (notify.State, bool, error) {
	st, ok, err := getJSON[notify.State](ctx, rdb, key)
	if errors.Is(err, errDamaged) {
		err = fmt.Errorf("%w: %w", notify.ErrDamagedState, err)
	}
	return st, ok, err
}

// IntervalOverride reads one live-interval key as it is stored; set is false when it is
// absent. ResolveInterval decides what it means.
func (s *Store) IntervalOverride(ctx context.Context, key string) (value string, set bool, err error) {
	v, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("redis get %s: %w", key, err)
	}
	return v, true, nil
}

// Interval is the refresh interval in force and where it comes from.
type Interval struct {
	Every time.Duration
	// Override is true when Every is config:status_interval's value (Key's).
	Override bool
	// Key is the key read: the world's own when set, else the global one.
	Key string
	// Ignored says why a config:status_interval that is set, or could not be read, was
	// not applied: the caller warns, and the configured interval stays.
	Ignored error
}

// ResolveInterval is the one rule for config:status_interval (spec: Configuration), used
// by the snapshotter to pace itself and by the origin to report that pace. A set value
// replaces configured when it is whole seconds within MinInterval..MaxInterval and below
// ttl (a longer pace would let the snapshot expire between refreshes); anything else is
// ignored. readErr is the error reading the key, which also leaves configured in force;
// key names it in the reasons.
func ResolveInterval(configured, ttl time.Duration, key, value string, set bool, readErr error) Interval {
	keep := Interval{Every: configured, Key: key}
	switch {
	case readErr != nil:
		keep.Ignored = readErr
		return keep
	case !set:
		return keep
	}
	n, err := strconv.Atoi(value)
	d := time.Duration(n) * time.Second
	switch {
	case err != nil || d < MinInterval || d > MaxInterval:
		keep.Ignored = fmt.Errorf("%s=%q: want whole seconds in %d..%d", key, value, int(MinInterval.Seconds()), int(MaxInterval.Seconds()))
	default:
		if keep.Ignored = config.CheckInterval(key, d, ttl); keep.Ignored == nil {
			return Interval{Every: d, Override: true, Key: key}
		}
	}
	return keep
}

// Interval reads config:status_interval and resolves it against configured and ttl. A
// world's own key comes first; when it is absent or ignored (with its reason kept), the
// global key is next.
func (s *Store) Interval(ctx context.Context, configured, ttl time.Duration) Interval {
	var ignored error
	for _, key := range []string{s.keys.Interval, s.keys.DefaultInterval} {
		if key == "" {
			continue
		}
		v, set, err := s.IntervalOverride(ctx, key)
		in := ResolveInterval(configured, ttl, key, v, set, err)
		if in.Ignored != nil {
			ignored = errors.Join(ignored, in.Ignored)
		}
		if in.Override {
			in.Ignored = ignored
			return in
		}
	}
	return Interval{Every: configured, Key: s.keys.Interval, Ignored: ignored}
}

// Ping checks reachability.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

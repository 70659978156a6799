package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis keys of the contract.
const (
	KeyStatus      = "server:status"
	KeyLastRefresh = "server:status:last_refresh"
	KeyInterval    = "config:status_interval"
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
}

// Store is the snapshot's Redis side.
type Store struct{ rdb *redis.Client }

// NewStore wraps a client; the client's options carry the deadlines.
func NewStore(rdb *redis.Client) *Store { return &Store{rdb: rdb} }

// Put stores the snapshot bytes for ttl (SETEX).
func (s *Store) Put(ctx context.Context, data []byte, ttl time.Duration) error {
	//lint:ignore SA1019 the contract names SETEX; SET with EX would store the same.
	if err := s.rdb.SetEx(ctx, KeyStatus, data, ttl).Err(); err != nil {
		return fmt.Errorf("redis setex %s: %w", KeyStatus, err)
	}
	return nil
}

// ErrMiss is returned by Get when the key is absent.
var ErrMiss = errors.New("redis: no snapshot")

// Get returns the stored snapshot bytes, ErrMiss when absent.
func (s *Store) Get(ctx context.Context) ([]byte, error) {
	b, err := s.rdb.Get(ctx, KeyStatus).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrMiss
	}
	if err != nil {
		return nil, fmt.Errorf("redis get %s: %w", KeyStatus, err)
	}
	return b, nil
}

// TTL is the key's remaining life as Redis reports it (-2: absent, -1: no expiry).
func (s *Store) TTL(ctx context.Context) (time.Duration, error) {
	return s.rdb.TTL(ctx, KeyStatus).Result()
}

// PutRecord stores the last refresh attempt. It has no TTL: an old record is itself news.
func (s *Store) PutRecord(ctx context.Context, r RefreshRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode refresh record: %w", err)
	}
	if err := s.rdb.Set(ctx, KeyLastRefresh, b, 0).Err(); err != nil {
		return fmt.Errorf("redis set %s: %w", KeyLastRefresh, err)
	}
	return nil
}

// Record returns the last refresh attempt; ok is false when none is stored.
func (s *Store) Record(ctx context.Context) (r RefreshRecord, ok bool, err error) {
	b, err := s.rdb.Get(ctx, KeyLastRefresh).Bytes()
	if errors.Is(err, redis.Nil) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("redis get %s: %w", KeyLastRefresh, err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, false, fmt.Errorf("decode %s: %w", KeyLastRefresh, err)
	}
	return r, true, nil
}

// IntervalOverride reads config:status_interval. It returns 0 with a nil error when the
// key is absent, and an error (the caller warns and keeps its interval) when the value
// is not a whole number of seconds within bounds.
func (s *Store) IntervalOverride(ctx context.Context) (time.Duration, error) {
	v, err := s.rdb.Get(ctx, KeyInterval).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("redis get %s: %w", KeyInterval, err)
	}
	n, err := strconv.Atoi(v)
	d := time.Duration(n) * time.Second
	if err != nil || d < MinInterval || d > MaxInterval {
		return 0, fmt.Errorf("%s=%q: want whole seconds in %d..%d", KeyInterval, v, int(MinInterval.Seconds()), int(MaxInterval.Seconds()))
	}
	return d, nil
}

// Ping checks reachability.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

package maintenance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/redisconn"
)

// Seen remembers when each window was first published, in one Redis hash per world
// (field: SeenField), so that a file window's created_at is its first publish on any
// replica and stays so: the first writer wins (HSETNX), every replica reads the same.
type Seen struct {
	rdb     redis.UniversalClient
	cli     string // redisconn.CLI(rdb), for the repair a failed rebuild prints
	key     string
	rebuild *redis.Script

	// Log, when set, hears of the key rebuilt because it held another type.
	Log *slog.Logger
}

// NewSeen keeps the times under key, e.g. "{world:x1}:maintenance:published".
func NewSeen(rdb redis.UniversalClient, key string) *Seen {
	return &Seen{rdb: rdb, cli: redisconn.CLI(rdb), key: key, rebuild: redis.NewScript(rebuildSeenScript)}
}

// rebuildSeenScript deletes KEYS[1] if it is there and not a hash, in one step: a
// replica rebuilding it at the same time, or a Mark between a look and a DEL, loses no
// first publish written as a hash. Returns the type it deleted, or false.
const rebuildSeenScript = `
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'none' or t == 'hash' then
  return false
end
redis.call('DEL', KEYS[1])
return t
`

// SeenField names w in the hash: its span in Unix seconds, "<from>-<until>".
func SeenField(w Window) string {
	return strconv.FormatInt(w.From.Unix(), 10) + "-" + strconv.FormatInt(w.Until.Unix(), 10)
}

// Mark records now as the first publish of each of ws not seen before and returns when
// each was first published, by SeenField. Fields of windows that ended more than a week
// (keep) before now are dropped: no document names them any more.
//
// A key of another type (WRONGTYPE: a hand edit, a forgery) is rebuilt and said once,
// with what it held: the hash is the leader's own record of when it first published each
// window, nobody else's, so it is safe to rebuild. What is lost is each current window's
// first publish time: they are marked published now, so a created_at moves later,
// never earlier, and no window, status or lease depends on it. Before, every
// historian pass failed with WRONGTYPE and named no repair.
func (s *Seen) Mark(ctx context.Context, ws []Window, now time.Time) (map[string]time.Time, error) {
	out, err := s.mark(ctx, ws, now)
	if !redisconn.WrongType(err) {
		return out, err
	}
	held, rbErr := s.rebuild.Run(ctx, s.rdb, []string{s.key}).Text()
	if rbErr != nil && !errors.Is(rbErr, redis.Nil) {
		return nil, fmt.Errorf("%w; rebuilding it failed (%w): repair with %s (the windows' first publish times are lost)", err, rbErr, redisconn.DelRepair(s.cli, s.key))
	}
	if s.Log != nil {
		s.Log.Warn("damaged key rebuilt: it held a "+held+", not the hash of the windows' first publishes; the current windows are marked first published now",
			"key", s.key)
	}
	return s.mark(ctx, ws, now)
}

func (s *Seen) mark(ctx context.Context, ws []Window, now time.Time) (map[string]time.Time, error) {
	stamp := strconv.FormatInt(now.UnixMilli(), 10)
	var all *redis.MapStringStringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, w := range ws {
			p.HSetNX(ctx, s.key, SeenField(w), stamp)
		}
		all = p.HGetAll(ctx, s.key)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mark windows published %s: %w", s.key, err)
	}
	out := make(map[string]time.Time, len(all.Val()))
	var old []string
	for field, v := range all.Val() {
		ms, err := strconv.ParseInt(v, 10, 64)
		_, until, ok := strings.Cut(field, "-")
		end, uerr := strconv.ParseInt(until, 10, 64)
		if err != nil || !ok || uerr != nil || time.Unix(end, 0).Before(now.Add(-keep)) {
			old = append(old, field) // ended long ago, or not ours
			continue
		}
		out[field] = time.UnixMilli(ms).UTC()
	}
	if len(old) > 0 {
		if err := s.rdb.HDel(ctx, s.key, old...).Err(); err != nil {
			return nil, fmt.Errorf("drop old windows %s: %w", s.key, err)
		}
	}
	return out, nil
}

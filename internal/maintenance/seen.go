package maintenance

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Seen remembers when each window was first published, in one Redis hash per world
// (field: SeenField), so that a file window's created_at is its first publish on any
// replica and stays so: the first writer wins (HSETNX), every replica reads the same.
type Seen struct {
	rdb redis.UniversalClient
	key string
}

// NewSeen keeps the times under key, e.g. "{world:x1}:maintenance:published".
func NewSeen(rdb redis.UniversalClient, key string) *Seen { return &Seen{rdb: rdb, key: key} }

// SeenField names w in the hash: its span in Unix seconds, "<from>-<until>".
func SeenField(w Window) string {
	return strconv.FormatInt(w.From.Unix(), 10) + "-" + strconv.FormatInt(w.Until.Unix(), 10)
}

// Mark records now as the first publish of each of ws not seen before and returns when
// each was first published, by SeenField. Fields of windows that ended more than a week
// (keep) before now are dropped: no document names them any more.
func (s *Seen) Mark(ctx context.Context, ws []Window, now time.Time) (map[string]time.Time, error) {
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

package samples

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/redisconn"
	"statusedge/internal/snapshot"
)

// Kept is how long after its day's end a day key of samples lives: every sample of the
// last 48 h is in Redis.
const Kept = 48 * time.Hour

// DaysKept is how many UTC days of figures the daily hash holds (today included).
const DaysKept = 90

// Keys are one world's: the day keys of its players samples and answer-time rounds
// (a prefix: <Players>YYYYMMDD), the hash of its daily figures, and its fence, all in
// one hash tag (snapshot.Layout owns the names).
type Keys struct {
	Players, Answer, Daily, Fence string
}

// Store is one world's samples in Redis.
type Store struct {
	rdb   redis.UniversalClient
	cli   string // redisconn.CLI(rdb), for the repairs it prints
	keys  Keys
	add   *redis.Script
	daily *redis.Script
}

// NewStore wraps rdb (its options carry the deadlines) for the keys k.
func NewStore(rdb redis.UniversalClient, k Keys) *Store {
	return &Store{rdb: rdb, cli: redisconn.CLI(rdb), keys: k, add: redis.NewScript(addScript), daily: redis.NewScript(dailyScript)}
}

// addScript appends a record unless a bigger token holds the fence (0), and unless the
// key's last record is in the same slot or a later one (2): a leader that takes over in
// the middle of a slot, or a retry, adds no second sample. KEYS: day, fence. ARGV: token,
// record, slot, slot seconds, the day's start (unix), seconds to live.
const addScript = snapshot.FenceLua + `
local len = redis.call('STRLEN', KEYS[1])
if len % 6 ~= 0 then
  return redis.error_reply('DAMAGED ' .. KEYS[1] .. ' holds ' .. len .. ' bytes, not whole 6-byte records')
end
if len > 0 then
  local b1, b2, b3 = string.byte(redis.call('GETRANGE', KEYS[1], len - 6, len - 4), 1, 3)
  local sod = b1 * 65536 + b2 * 256 + b3
  if math.floor((tonumber(ARGV[5]) + sod) / tonumber(ARGV[4])) >= tonumber(ARGV[3]) then
    return 2
  end
end
redis.call('APPEND', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[6])
return 1
`

// dailyScript sets a day's figures and drops the days given, unless a bigger token holds
// the fence. It also writes the ended day's sample keys anew, whole: grown by APPEND,
// Redis holds each with room to grow (12,360 bytes in MEMORY USAGE for a day of 1,440
// records, 8,640 bytes), which a day that has ended never needs. KEYS: daily, fence, the
// day's players key, its answer key. ARGV: token, date, figures, dates to drop...
const dailyScript = snapshot.FenceLua + `
for i = 3, 4 do
  local v = redis.call('GET', KEYS[i])
  if v then
    redis.call('SET', KEYS[i], v, 'KEEPTTL')
  end
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
for i = 4, #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
end
return 1
`

func dayKey(prefix string, day time.Time) string { return prefix + day.Format("20060102") }

// AddPlayers records the count n read at at, one per slot of every; accepted is false
// when a newer leader holds the fence, added false when the slot already had a sample.
func (s *Store) AddPlayers(ctx context.Context, token int64, at time.Time, n int64, every time.Duration) (accepted, added bool, err error) {
	return s.append(ctx, s.keys.Players, token, Sample{At: at, V: n}, every)
}

// AddAnswer records a probe round's answer time (ms) at its start, one per second.
func (s *Store) AddAnswer(ctx context.Context, token int64, at time.Time, ms int64) (accepted, added bool, err error) {
	return s.append(ctx, s.keys.Answer, token, Sample{At: at, V: ms}, time.Second)
}

func (s *Store) append(ctx context.Context, prefix string, token int64, smp Sample, every time.Duration) (accepted, added bool, err error) {
	if token < 1 {
		return false, false, fmt.Errorf("add sample: token %d: tokens start at 1", token)
	}
	every = max(every.Truncate(time.Second), time.Second)
	at := smp.At.UTC().Truncate(time.Second)
	smp.At = at
	day := dayStart(at)
	key := dayKey(prefix, day)
	// The key lives to its day's end plus Kept, counted from the sample's own time (the
	// leader's clock, which is Redis's within the skew allowed).
	ttl := int64(day.Add(24*time.Hour+Kept).Sub(at) / time.Second)
	slot := at.Unix() / int64(every/time.Second)
	n, err := s.add.Run(ctx, s.rdb, []string{key, s.keys.Fence}, token, encode(smp), slot, int64(every/time.Second), day.Unix(), ttl).Int64()
	if err != nil {
		return false, false, fmt.Errorf("add sample %s: %w", key, snapshot.FenceError(err, s.cli, s.keys.Fence))
	}
	return n != 0, n == 1, nil
}

// Day is the samples of one UTC day: players and answer time, in time order.
func (s *Store) Day(ctx context.Context, day time.Time) (players, answer []Sample, err error) {
	day = dayStart(day)
	keys := []string{dayKey(s.keys.Players, day), dayKey(s.keys.Answer, day)}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, nil, fmt.Errorf("read samples %s: %w", keys[0], err)
	}
	out := make([][]Sample, 2)
	for i, v := range vals {
		str, _ := v.(string) // nil: no samples that day
		if out[i], err = decode(day, str); err != nil {
			return nil, nil, fmt.Errorf("read samples %s: %w", keys[i], err)
		}
	}
	return out[0], out[1], nil
}

// Since is the samples from from to now (at most the last Kept plus a day).
func (s *Store) Since(ctx context.Context, from, now time.Time) (players, answer []Sample, err error) {
	for d := dayStart(from); !d.After(now); d = d.Add(24 * time.Hour) {
		p, a, err := s.Day(ctx, d)
		if err != nil {
			return nil, nil, err
		}
		players, answer = append(players, p...), append(answer, a...)
	}
	keep := func(x Sample) bool { return x.At.Before(from) || x.At.After(now) }
	return deleteFunc(players, keep), deleteFunc(answer, keep), nil
}

func deleteFunc(ss []Sample, drop func(Sample) bool) []Sample {
	out := ss[:0]
	for _, x := range ss {
		if !drop(x) {
			out = append(out, x)
		}
	}
	return out
}

// Daily is the stored figures by date (YYYY-MM-DD); a field that is not a Day's is left
// out (garbage is never shown as figures).
func (s *Store) Daily(ctx context.Context) (map[string]Day, error) {
	raw, err := s.rdb.HGetAll(ctx, s.keys.Daily).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read daily figures %s: %w", s.keys.Daily, err)
	}
	out := make(map[string]Day, len(raw))
	for k, v := range raw {
		day, err := time.Parse("20060102", k)
		if err != nil {
			continue
		}
		if d, ok := parseDay(day.Format(time.DateOnly), v); ok {
			out[d.Date] = d
		}
	}
	return out, nil
}

// Settle writes the figures of the ended days whose samples are still kept and that
// have none yet (every: the players interval), and drops the days older than DaysKept,
// as of now. accepted is false when a newer leader holds the fence.
func (s *Store) Settle(ctx context.Context, token int64, now time.Time, every time.Duration) (accepted bool, err error) {
	have, err := s.Daily(ctx)
	if err != nil {
		return false, err
	}
	today := dayStart(now)
	oldest := today.AddDate(0, 0, -(DaysKept - 1))
	var drop []any
	for date := range have {
		if d, _ := time.Parse(time.DateOnly, date); d.Before(oldest) {
			drop = append(drop, d.Format("20060102"))
		}
	}
	for back := 2; back >= 1; back-- {
		day := today.AddDate(0, 0, -back)
		if _, ok := have[day.Format(time.DateOnly)]; ok {
			continue
		}
		p, a, err := s.Day(ctx, day)
		if err != nil {
			return false, err
		}
		if len(p) == 0 && len(a) == 0 {
			continue
		}
		args := append([]any{token, day.Format("20060102"), Figures(day, p, a, day.Add(24*time.Hour), every).field()}, drop...)
		keys := []string{s.keys.Daily, s.keys.Fence, dayKey(s.keys.Players, day), dayKey(s.keys.Answer, day)}
		n, err := s.daily.Run(ctx, s.rdb, keys, args...).Int64()
		if err != nil {
			return false, fmt.Errorf("settle %s: %w", day.Format(time.DateOnly), snapshot.FenceError(err, s.cli, s.keys.Fence))
		}
		if n == 0 {
			return false, nil
		}
		drop = nil
	}
	if len(drop) > 0 {
		if err := s.rdb.HDel(ctx, s.keys.Daily, anyStrings(drop)...).Err(); err != nil {
			return false, fmt.Errorf("trim daily figures: %w", err)
		}
	}
	return true, nil
}

func anyStrings(a []any) []string {
	out := make([]string, len(a))
	for i, v := range a {
		out[i] = v.(string)
	}
	return out
}

// Forget deletes a day's sample keys (what their expiry does; for tests and tools that
// simulate days).
func (s *Store) Forget(ctx context.Context, day time.Time) error {
	day = dayStart(day)
	return s.rdb.Del(ctx, dayKey(s.keys.Players, day), dayKey(s.keys.Answer, day)).Err()
}

package samples

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
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
	// Log, when set, hears once of each key that holds what no leader wrote there.
	Log  *slog.Logger
	said redisconn.Damage
}

// NewStore wraps rdb (its options carry the deadlines) for the keys k.
func NewStore(rdb redis.UniversalClient, k Keys) *Store {
	return &Store{rdb: rdb, cli: redisconn.CLI(rdb), keys: k, add: redis.NewScript(addScript), daily: redis.NewScript(dailyScript)}
}

// addScript appends a record unless a bigger token holds the fence (0), and unless the
// key's last record is in the same slot or a later one (2): a leader that takes over in
// the middle of a slot, or a retry, adds no second sample. A key that is not whole
// records (a hand edit, a forgery, another type) is the leader's own record damaged,
// which no reader can use (Day reads it as none): it is started anew with this record
// (3), rather than refusing every sample of the day. KEYS: day, fence. ARGV: token,
// record, slot, slot seconds, the day's start (unix), seconds to live.
const addScript = snapshot.FenceLua + `
local t = redis.call('TYPE', KEYS[1]).ok
local len = 0
if t == 'string' then len = redis.call('STRLEN', KEYS[1]) end
if (t ~= 'string' and t ~= 'none') or len % 6 ~= 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[6])
  return 3
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
// records, 8,640 bytes), which a day that has ended never needs. A daily key of another
// type (damaged: Daily reads it as none) is started anew (2): its figures were
// unreadable, and the leader's own. KEYS: daily, fence, the day's players key, its answer
// key. ARGV: token, date, figures, dates to drop...
const dailyScript = snapshot.FenceLua + `
for i = 3, 4 do
  if redis.call('TYPE', KEYS[i]).ok == 'string' then
    redis.call('SET', KEYS[i], redis.call('GET', KEYS[i]), 'KEEPTTL')
  end
end
local rebuilt = 1
local t = redis.call('TYPE', KEYS[1]).ok
if t ~= 'hash' and t ~= 'none' then
  redis.call('DEL', KEYS[1])
  rebuilt = 2
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
for i = 4, #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
end
return rebuilt
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
	if n == 3 {
		s.rebuilt(key, "not whole records of samples; started anew, the day's samples before it are lost")
	}
	return n != 0, n == 1 || n == 3, nil
}

// damaged says once that key holds what no leader wrote there (read as none).
func (s *Store) damaged(key, what string) {
	if s.said.News(key, what) && s.Log != nil {
		s.Log.Warn("garbage in Redis: "+what, "key", key, "repair", redisconn.DelRepair(s.cli, key))
	}
}

// rebuilt says that the leader replaced key's damage with its own record.
func (s *Store) rebuilt(key, what string) {
	s.said.Sound(key)
	if s.Log != nil {
		s.Log.Warn("damaged key rebuilt: "+what, "key", key)
	}
}

// Day is the samples of one UTC day: players and answer time, in time order.
func (s *Store) Day(ctx context.Context, day time.Time) (players, answer []Sample, err error) {
	day = dayStart(day)
	keys := []string{dayKey(s.keys.Players, day), dayKey(s.keys.Answer, day)}
	// One GET each, not MGET: MGET reads a key of another type as absent, and damage must
	// be told from a day without samples.
	cmds := make([]*redis.StringCmd, len(keys))
	// Pipelined's error is the first command's (redis.Nil for a day without samples):
	// each command's own answer is read below instead.
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return nil
	})
	out := make([][]Sample, 2)
	for i, c := range cmds {
		b, err := c.Result()
		switch {
		case errors.Is(err, redis.Nil): // no samples that day
			continue
		case redisconn.WrongType(err):
			s.damaged(keys[i], "not a day of samples (another type), read as none until the leader's next sample starts it anew")
			continue
		case err != nil:
			return nil, nil, fmt.Errorf("read samples %s: %w", keys[i], err)
		}
		if out[i], err = decode(day, b); err != nil {
			s.damaged(keys[i], "not a day of samples ("+err.Error()+"), read as none until the leader's next sample starts it anew")
			continue
		}
		s.said.Sound(keys[i])
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
// out (garbage is never shown as figures), and a key of another type reads as none until
// the leader's next settle starts it anew; either is said once.
func (s *Store) Daily(ctx context.Context) (map[string]Day, error) {
	raw, err := s.rdb.HGetAll(ctx, s.keys.Daily).Result()
	if redisconn.WrongType(err) {
		s.damaged(s.keys.Daily, "not a hash of daily figures, read as none until the leader's next settle starts it anew")
		return map[string]Day{}, nil
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read daily figures %s: %w", s.keys.Daily, err)
	}
	out := make(map[string]Day, len(raw))
	var bad []string
	for k, v := range raw {
		day, err := time.Parse("20060102", k)
		if err != nil {
			bad = append(bad, k)
			continue
		}
		if d, ok := parseDay(day.Format(time.DateOnly), v); ok {
			out[d.Date] = d
		} else {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		s.said.Sound(s.keys.Daily)
		return out, nil
	}
	slices.Sort(bad)
	if s.said.News(s.keys.Daily, strings.Join(bad, " ")) && s.Log != nil {
		s.Log.Warn("garbage in Redis: fields that are not a day's figures, left out", "key", s.keys.Daily, "fields", bad,
			"repair", "`"+s.cli+" HDEL '"+s.keys.Daily+"' '"+strings.Join(bad, "' '")+"'`")
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
		if n == 2 {
			s.rebuilt(s.keys.Daily, "not a hash of daily figures; started anew, the figures it held are lost")
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

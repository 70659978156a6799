package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/maintenance"
	"statusedge/internal/redisconn"
	"statusedge/internal/snapshot"
)

// Keep is how long the record is kept: a day's key lives until the end of its day plus
// Keep, and an incident's note until its start is Keep old.
const Keep = 90 * 24 * time.Hour

// Days is how many UTC days the history document shows, today included.
const Days = 90

// minutesPerDay is the number of two-bit cells in one day key (360 bytes when full).
const minutesPerDay = 24 * 60

// IDLayout formats an incident's ID from its first minute (UTC).
const IDLayout = "20060102T1504Z"

// ParseID is when the incident id began: a run's first minute (IDLayout), or the second
// of an incident that began inside another's run (SplitIDLayout, by WithFlips). Both are
// incidents readers see, and an operator may note either.
func ParseID(id string) (time.Time, error) {
	if t, err := time.Parse(IDLayout, id); err == nil {
		return t, nil
	}
	if t, err := time.Parse(SplitIDLayout, id); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("incident id %q: want its first minute as %s, or its first second as %s", id, IDLayout, SplitIDLayout)
}

// Keys are where one world's history is kept. They must share one hash tag, so that the
// fenced write (day key and fence in one script) and the MGET of the days run on Redis
// Cluster: e.g. Days "{world:x1}:history:", Notes "{world:x1}:incidents", Fence
// "{world:x1}:fence" (the snapshot's own fence, so the same lease token guards both).
type Keys struct {
	Days  string // a day's key is Days + "YYYYMMDD" (its UTC date)
	Notes string // a hash of incident notes (JSON Note) by incident ID
	Fence string // the world's fence: fenced writes raise it, the lease issues tokens from it
	Flips string // a list of the status's flips (JSON Flip), newest first; "" for none
}

// Note is what an operator attached to an incident.
type Note struct {
	Title   *maintenance.Text `json:"title"`
	Updates []Update          `json:"updates"`
}

// Store is one world's minute record and incident notes in Redis.
type Store struct {
	rdb    redis.UniversalClient
	cli    string // redisconn.CLI(rdb), for the repairs it prints
	keys   Keys
	record *redis.Script
	flip   *redis.Script

	// Log, when set, hears once of each key (or note) that holds garbage.
	Log     *slog.Logger
	garbage garbage
}

// Fence is the world's fence, which the store's writes raise.
func (s *Store) Fence() string { return s.keys.Fence }

// NewStore wraps a client for the keys k; the client's options carry the deadlines.
func NewStore(rdb redis.UniversalClient, k Keys) *Store {
	return &Store{rdb: rdb, cli: redisconn.CLI(rdb), keys: k, record: redis.NewScript(recordScript), flip: redis.NewScript(flipScript)}
}

// recordScript merges a minute's state into its day key unless a bigger token holds the
// fence, and raises the fence to the token it accepted (as the snapshot's fenced put
// does). The bigger state wins, so two writers of one minute leave the same cell in any
// order. A day key is made whole (360 zero bytes: all NoData) at its first write: grown
// by BITFIELD minute after minute, Redis over-allocates it (584 bytes a full day in
// MEMORY USAGE, against 456). KEYS: day, fence. ARGV: token, minute of the day, state,
// expiry (unix seconds).
const recordScript = snapshot.FenceLua + `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SET', KEYS[1], string.rep('\0', 360))
end
local at = '#' .. ARGV[2]
local st = tonumber(ARGV[3])
local cur = redis.call('BITFIELD', KEYS[1], 'GET', 'u2', at)[1]
if st > cur then
  redis.call('BITFIELD', KEYS[1], 'SET', 'u2', at, st)
end
redis.call('EXPIREAT', KEYS[1], ARGV[4])
return 1
`

// dayStart is midnight (UTC) of t's day.
func dayStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func (s *Store) dayKey(day time.Time) string { return s.keys.Days + day.Format("20060102") }

// Record merges st into the cell of minute (UTC, truncated) unless the fence holds a
// bigger token than token; accepted is false when it was refused: a newer leader exists.
func (s *Store) Record(ctx context.Context, token int64, minute time.Time, st State) (accepted bool, err error) {
	if token < 1 {
		return false, fmt.Errorf("record minute: token %d: tokens start at 1", token)
	}
	if st > Maintenance {
		return false, fmt.Errorf("record minute: state %d: want 0 to 3", st)
	}
	minute = minute.UTC().Truncate(time.Minute)
	day := dayStart(minute)
	key := s.dayKey(day)
	expire := day.Add(24*time.Hour + Keep).Unix()
	n, err := s.record.Run(ctx, s.rdb, []string{key, s.keys.Fence}, token, int(minute.Sub(day)/time.Minute), int(st), expire).Int64()
	if err != nil {
		return false, fmt.Errorf("record minute %s: %w", key, snapshot.FenceError(err, s.cli, s.keys.Fence))
	}
	return n == 1, nil
}

// Minutes reads the cells of [from, to) (minute-aligned UTC), one State per minute, in one
// round trip: a GETRANGE of each day key's 360 bytes, pipelined, so that a key grown past
// its size by hand costs no more to read than a whole day (an MGET would fetch all of it,
// every pass, on every replica). A missing key (or the unwritten end of one) is NoData.
func (s *Store) Minutes(ctx context.Context, from, to time.Time) ([]State, error) {
	from, to = from.UTC().Truncate(time.Minute), to.UTC().Truncate(time.Minute)
	if !to.After(from) {
		return []State{}, nil
	}
	first := dayStart(from)
	var keys []string
	for d := first; d.Before(to); d = d.Add(24 * time.Hour) {
		keys = append(keys, s.dayKey(d))
	}
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.GetRange(ctx, k, 0, minutesPerDay/4-1)
		}
		return nil
	})
	// Redis's refusal of one key (not a string: WRONGTYPE) makes that day NoData, as
	// MGET's nil did; anything else (the connection, the deadline) fails the read.
	if _, refused := errors.AsType[redis.Error](err); err != nil && !refused {
		return nil, fmt.Errorf("read minutes %s: %w", keys[0], err)
	}
	vals := make([]string, len(keys))
	for i, c := range cmds {
		_, refused := errors.AsType[redis.Error](c.Err())
		if c.Err() != nil && !refused {
			return nil, fmt.Errorf("read minutes %s: %w", keys[i], c.Err())
		}
		if refused {
			s.garbage.report(s.Log, keys[i], "not a day of minutes, read as no data ("+c.Err().Error()+")")
		} else {
			s.garbage.sound(keys[i])
		}
		vals[i] = c.Val() // "" for a missing or refused key: all NoData
	}
	skip := int(from.Sub(first) / time.Minute)
	out := make([]State, int(to.Sub(from)/time.Minute))
	for i := range out {
		m := skip + i
		out[i] = cell(vals[m/minutesPerDay], m%minutesPerDay)
	}
	return out, nil
}

// cell is the state at minute m of a day key's bytes: BITFIELD u2 #m is the two bits at
// bit offset 2m, counted from the first byte's most significant bit.
func cell(day string, m int) State {
	if m/4 >= len(day) {
		return NoData
	}
	return State(day[m/4]>>(6-2*(m%4))) & 3
}

// Notes reads every incident's note, by incident ID. A note that is not a Note's JSON
// (written by hand, or by another program) is left out rather than failing the read:
// one bad field would otherwise freeze every document built from the record, and
// refuse every operator's note, until someone edited Redis by hand. A note with control
// characters is kept with each one replaced (Printable). Either is logged once.
func (s *Store) Notes(ctx context.Context) (map[string]Note, error) {
	raw, err := s.rdb.HGetAll(ctx, s.keys.Notes).Result()
	if redisconn.WrongType(err) {
		// Not a hash: read as no notes, so that every document built from the record
		// goes on (the minutes hold the incidents); the operator's note commands say
		// how to repair it.
		s.garbage.report(s.Log, s.keys.Notes, "not a hash of incidents' notes, read as none ("+err.Error()+"); repair: "+redisconn.DelRepair(s.cli, s.keys.Notes))
		return map[string]Note{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read notes %s: %w", s.keys.Notes, err)
	}
	s.garbage.sound(s.keys.Notes)
	notes := make(map[string]Note, len(raw))
	for id, v := range raw {
		key := s.keys.Notes + " " + Printable(id)
		n, ok := decodeNote(v)
		if !ok {
			s.garbage.report(s.Log, key, "not an incident's note, left out")
			continue
		}
		n, clean := printableNote(n)
		if clean {
			s.garbage.sound(key)
		} else {
			s.garbage.report(s.Log, key, "unprintable characters in a note, each replaced")
		}
		notes[id] = n
	}
	return notes, nil
}

// decodeNote is v as a Note (Updates [] rather than null); ok is false when v is not one.
func decodeNote(v string) (n Note, ok bool) {
	if err := json.Unmarshal([]byte(v), &n); err != nil {
		return Note{Updates: []Update{}}, false
	}
	if n.Updates == nil {
		n.Updates = []Update{}
	}
	return n, true
}

// MaxUpdates bounds an incident's updates: each is a paragraph of the public page and of
// every history document, which a script posting in a loop would otherwise grow
// without end.
const MaxUpdates = 50

// ErrTooManyUpdates is AddNote's error when the incident holds MaxUpdates updates.
var ErrTooManyUpdates = fmt.Errorf("the incident holds %d updates, the most it takes", MaxUpdates)

// AddNote sets (or replaces) the title of incident id when title is given and appends an
// update saying msg at at when msg is given. It also drops the notes of incidents that
// started Keep before at: their minutes are gone from the record.
func (s *Store) AddNote(ctx context.Context, id string, title, msg *maintenance.Text, at time.Time) error {
	if _, err := ParseID(id); err != nil {
		return fmt.Errorf("add note: %w", err)
	}
	// WATCH makes the read-modify-write safe against an operator writing at the same time;
	// a conflict is tried again a few times, then reported.
	update := func(tx *redis.Tx) error {
		old, err := tx.HGetAll(ctx, s.keys.Notes).Result()
		if err != nil {
			return err
		}
		// An unreadable note is replaced: writing a note is how an operator repairs it.
		n, _ := decodeNote(old[id])
		if title != nil {
			t := *title
			n.Title = &t
		}
		if msg != nil {
			if len(n.Updates) >= MaxUpdates {
				return ErrTooManyUpdates
			}
			n.Updates = append(n.Updates, Update{At: at.UTC(), Message: *msg})
		}
		b, err := json.Marshal(n)
		if err != nil {
			return err
		}
		var stale []string
		for k := range old {
			if started, err := ParseID(k); err == nil && at.Sub(started) > Keep {
				stale = append(stale, k)
			}
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, s.keys.Notes, id, b)
			if len(stale) > 0 {
				p.HDel(ctx, s.keys.Notes, stale...)
			}
			return nil
		})
		return err
	}
	for range 5 {
		err := s.rdb.Watch(ctx, update, s.keys.Notes)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if redisconn.WrongType(err) {
			return fmt.Errorf("add note %s: %s is not a hash of notes (%w): repair with %s (its notes are lost)", id, s.keys.Notes, err, redisconn.DelRepair(s.cli, s.keys.Notes))
		}
		if err != nil {
			return fmt.Errorf("add note %s: %w", id, err)
		}
		return nil
	}
	return fmt.Errorf("add note %s: %s kept changing", id, s.keys.Notes)
}

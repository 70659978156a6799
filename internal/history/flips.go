package history

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"statusedge/internal/redisconn"
	"statusedge/internal/snapshot"
)

// Flip is one change of the published status between online and offline, at the second
// of the probe round (checked_at) that made it: the minute cells say which minutes were
// down, the flips say when, to the second, an outage began and ended.
type Flip struct {
	Online bool      `json:"online"`
	At     time.Time `json:"at"`
}

// MaxFlips bounds the list: a day of flapping every 15 minutes, far more than the
// incidents of the documents need (each needs its first and last flip).
const MaxFlips = 100

// flipScript pushes a flip unless a bigger token holds the fence (0), and unless the
// newest flip already says the same (2: a new leader's first look, or a retry), so that
// the list alternates. KEYS: flips, fence. ARGV: token, flip JSON, online ("1"/"0"),
// length bound, expiry seconds.
const flipScript = snapshot.FenceLua + `
local newest = redis.call('LINDEX', KEYS[1], 0)
if newest then
  local ok, f = pcall(cjson.decode, newest)
  if ok and type(f) == 'table' and f.online == (ARGV[3] == '1') then
    return 2
  end
end
redis.call('LPUSH', KEYS[1], ARGV[2])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[4]) - 1)
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
`

// RecordFlip adds f as the newest flip unless the fence holds a bigger token than token
// (accepted false) or the newest flip already says f.Online (accepted, nothing added).
func (s *Store) RecordFlip(ctx context.Context, token int64, f Flip) (accepted bool, err error) {
	if s.keys.Flips == "" {
		return true, nil
	}
	if token < 1 {
		return false, fmt.Errorf("record flip: token %d: tokens start at 1", token)
	}
	b, err := json.Marshal(Flip{Online: f.Online, At: f.At.UTC()})
	if err != nil {
		return false, fmt.Errorf("record flip: %w", err)
	}
	online := "0"
	if f.Online {
		online = "1"
	}
	n, err := s.flip.Run(ctx, s.rdb, []string{s.keys.Flips, s.keys.Fence}, token, b, online, MaxFlips, int64(Keep/time.Second)).Int64()
	if err != nil {
		return false, fmt.Errorf("record flip %s: %w", s.keys.Flips, snapshot.FenceError(err, s.cli, s.keys.Fence))
	}
	return n != 0, nil
}

// Flips reads the flips, newest first. An entry that is not a Flip's JSON is left out, as
// a bad note is.
func (s *Store) Flips(ctx context.Context) ([]Flip, error) {
	if s.keys.Flips == "" {
		return nil, nil
	}
	raw, err := s.rdb.LRange(ctx, s.keys.Flips, 0, MaxFlips-1).Result()
	if redisconn.WrongType(err) {
		// Not a list: no flips, so incidents keep their minutes' bounds and the
		// documents go on; the next flip's write fails and names the repair.
		s.garbage.report(s.Log, s.keys.Flips, "not a list of flips, read as none ("+err.Error()+"); repair: "+redisconn.DelRepair(s.cli, s.keys.Flips))
		return nil, nil
	}
	if err == nil {
		s.garbage.sound(s.keys.Flips)
	}
	if err != nil {
		return nil, fmt.Errorf("read flips %s: %w", s.keys.Flips, err)
	}
	out := make([]Flip, 0, len(raw))
	for _, v := range raw {
		var f Flip
		if json.Unmarshal([]byte(v), &f) == nil && !f.At.IsZero() {
			out = append(out, f)
		}
	}
	return out, nil
}

// SplitIDLayout formats the ID of an incident that begins inside another's run of down
// minutes (a second outage within a minute or two of the first): its first second, UTC.
const SplitIDLayout = "20060102T150405Z"

// WithFlips sets the incidents' times to the flips' seconds (flips newest first, as
// Flips reads them) and splits a run of down minutes where the flips say the status was
// online in between: a minute is down when any of it was, so two outages a few seconds
// apart share their minutes, yet each is its own incident. An incident starts at the
// offline flip within a minute of its first down minute, and ends at the next online flip
// not after its end minute; an offline flip after that, before the end minute (or, while
// the run is ongoing, any), begins another, whose ID is its second (SplitIDLayout); the
// last one ends at the run's end minute, or is ongoing with the run, unless an online
// flip ended it. Without a matching flip the minute bounds stand. The first incident of
// a run keeps the run's ID (its first minute) and notes; Minutes is each span rounded up.
// The result is newest first, as incs.
func WithFlips(incs []Incident, flips []Flip, now time.Time) []Incident {
	if len(flips) == 0 {
		return incs
	}
	out := make([]Incident, 0, len(incs))
	for _, inc := range incs {
		out = append(out, split(inc, flips, now)...)
	}
	return out
}

// WithNotes gives each incident of incs the operator's note kept under its ID: WithFlips
// makes incidents (SplitIDLayout) that Incidents never saw, and their notes too are shown.
func WithNotes(incs []Incident, notes map[string]Note) []Incident {
	for i := range incs {
		if n, ok := notes[incs[i].ID]; ok {
			incs[i].Title = n.Title
			if n.Updates != nil {
				incs[i].Updates = n.Updates
			}
		}
	}
	return incs
}

// split is one run's incidents, newest first.
func split(inc Incident, flips []Flip, now time.Time) []Incident {
	for j := len(flips) - 1; j >= 0; j-- { // oldest first: the first offline flip
		f := flips[j]
		if !f.Online && !f.At.Before(inc.StartedAt.Add(-time.Minute)) && f.At.Before(inc.StartedAt.Add(time.Minute)) {
			inc.StartedAt = f.At
			break
		}
	}
	runEnd := inc.EndedAt
	var done []Incident // oldest first
	cur, open := inc, true
	for j := len(flips) - 1; j >= 0; j-- {
		f := flips[j]
		if !f.At.After(inc.StartedAt) || (runEnd != nil && f.At.After(*runEnd)) {
			continue
		}
		switch {
		case f.Online && open:
			end := f.At
			cur.EndedAt, cur.Ongoing, open = &end, false, false
			done = append(done, cur)
		case !f.Online && !open && (runEnd == nil || f.At.Before(*runEnd)):
			cur = Incident{ID: f.At.UTC().Format(SplitIDLayout), StartedAt: f.At, EndedAt: runEnd, Ongoing: runEnd == nil, Updates: []Update{}}
			open = true
		}
	}
	if open {
		done = append(done, cur)
	}
	for i := range done {
		end := now.UTC().Truncate(time.Minute).Add(time.Minute)
		if done[i].EndedAt != nil {
			end = *done[i].EndedAt
		}
		done[i].Minutes = int(math.Ceil(end.Sub(done[i].StartedAt).Minutes()))
	}
	slices.Reverse(done)
	return done
}

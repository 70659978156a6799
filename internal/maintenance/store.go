package maintenance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/redisconn"
)

// keep is how long a command-line window is kept after it ends: long enough for the
// history document to name the last week's maintenance, short enough that the value
// stays small.
const keep = 7 * 24 * time.Hour

// maxStored bounds the windows of one key, as maxWindows bounds the file.
const maxStored = 100

// attempts bounds the optimistic retries of a write: each retry means another operator
// wrote in between, so a few are plenty.
const attempts = 10

// Store keeps a world's command-line windows in Redis, as one JSON list under one key.
// Writes read, change and write it in a WATCH/MULTI transaction, so two operators adding
// windows at once both keep theirs.
type Store struct {
	rdb redis.UniversalClient
	cli string // redisconn.CLI(rdb), for the repair a damaged key's error prints
	key string

	// Log, when set, hears once (per key and set of windows) of the stored windows
	// Windows leaves out because they fail its checks.
	Log     *slog.Logger
	dropped redisconn.Damage
}

// NewStore is the store of windows under key, e.g. "{world:x1}:maintenance".
func NewStore(rdb redis.UniversalClient, key string) *Store {
	return &Store{rdb: rdb, cli: redisconn.CLI(rdb), key: key}
}

// Windows are the stored windows, sorted by From; none when the key is absent.
func (s *Store) Windows(ctx context.Context) ([]Window, error) {
	ws, bad, err := readAll(ctx, s.rdb, s.cli, s.key)
	if err != nil {
		return nil, err
	}
	if len(bad) == 0 {
		s.dropped.Sound(s.key)
		return ws, nil
	}
	// Every pass (the leader polls each second) meets them again: said once, again
	// only when the set of them changes.
	what := strings.Join(bad, "; ")
	if s.dropped.News(s.key, what) && s.Log != nil {
		s.Log.Warn("maintenance windows in Redis fail their checks (written by hand?): left out; "+
			"the next `maintenance start` rewrites the key without them, or delete them all with "+redisconn.DelRepair(s.cli, s.key),
			"key", s.key, "windows", what)
	}
	return ws, nil
}

// stored is a window as the store keeps it: with when the command that made it ran.
type stored struct {
	Window
	CreatedAt *time.Time `json:"created_at,omitempty"` // absent in windows stored before it
}

// read is the windows under key that pass their checks (readAll).
func read(ctx context.Context, c redis.Cmdable, cli, key string) ([]Window, error) {
	ws, _, err := readAll(ctx, c, cli, key)
	return ws, err
}

// readAll is the windows under key that pass their checks, and what is wrong with each
// of the others, which it leaves out.
func readAll(ctx context.Context, c redis.Cmdable, cli, key string) (ws []Window, bad []string, err error) {
	b, err := c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil, nil
	}
	if err != nil && !redisconn.WrongType(err) {
		return nil, nil, fmt.Errorf("read maintenance %s: %w", key, err)
	}
	var ss []stored
	if err == nil {
		err = json.Unmarshal(b, &ss)
	}
	if err != nil {
		// Damage, not an outage: the operator needs the command that repairs it, or no
		// window can be started, ended or listed again.
		return nil, nil, fmt.Errorf("read maintenance %s: not the command line's windows; repair with %s (the windows it held are lost: start them again): %w", key, redisconn.DelRepair(cli, key), err)
	}
	ws = make([]Window, 0, len(ss))
	for _, s := range ss {
		w := s.Window
		if s.CreatedAt != nil {
			w.Created = s.CreatedAt.UTC()
		}
		// Add writes no window that ends before it starts, lasts past MaxDuration or lacks a
		// language; one found here was written by hand, and taken as is it could hold the
		// status at maintenance for years and record every minute as maintenance. It is left
		// out, and the next write drops it.
		_, err := checkText(w.Message)
		if err == nil {
			err = checkSpan(w)
		}
		if err != nil {
			// Only times and checkText's own words (%U for a bad character): nothing
			// raw from Redis reaches the log.
			bad = append(bad, fmt.Sprintf("%s..%s: %s", w.From.Format(time.RFC3339), w.Until.Format(time.RFC3339), err))
			continue
		}
		ws = append(ws, w)
	}
	return ws, bad, nil
}

// Add stores w (its message trimmed; Recurring false; Created now: when the command ran). It refuses a window that does not
// end after it starts, has ended by now, or lasts more than 7 days; and it drops the
// stored windows that ended more than 7 days before now.
func (s *Store) Add(ctx context.Context, w Window, now time.Time) error {
	msg, err := checkText(w.Message)
	if err != nil {
		return fmt.Errorf("add maintenance: message %w", err)
	}
	w = Window{From: w.From, Until: w.Until, Message: msg, Created: now.UTC()}
	if err := checkSpan(w); err != nil {
		return fmt.Errorf("add maintenance: until: %w", err)
	}
	if !w.Until.After(now) {
		return fmt.Errorf("add maintenance: until %s: not after now (%s)", w.Until.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	_, err = s.update(ctx, func(ws []Window) ([]Window, bool, error) {
		ws = slices.DeleteFunc(ws, func(o Window) bool { return o.Until.Before(now.Add(-keep)) })
		if len(ws) >= maxStored {
			return nil, false, fmt.Errorf("%d windows stored, at most %d", len(ws), maxStored)
		}
		return append(ws, w), true, nil
	})
	if err != nil {
		return fmt.Errorf("add maintenance: %w", err)
	}
	return nil
}

// End cuts every stored window holding now so that it ends at now, and says whether one
// did. Windows that start later are kept: ending today's maintenance does not cancel
// Friday's.
func (s *Store) End(ctx context.Context, now time.Time) (ended bool, err error) {
	ended, err = s.update(ctx, func(ws []Window) ([]Window, bool, error) {
		cut := false
		for i, w := range ws {
			if !w.From.After(now) && w.Until.After(now) {
				ws[i].Until, cut = now, true
			}
		}
		// A window cut at its own start would be empty: nothing to keep.
		ws = slices.DeleteFunc(ws, func(w Window) bool { return !w.Until.After(w.From) })
		return ws, cut, nil
	})
	if err != nil {
		return false, fmt.Errorf("end maintenance: %w", err)
	}
	return ended, nil
}

// update applies change to the stored windows in a transaction, retried when another
// writer changed the key in between. change says whether it changed anything; nothing
// is written if not.
func (s *Store) update(ctx context.Context, change func([]Window) ([]Window, bool, error)) (bool, error) {
	for range attempts {
		changed := false
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			ws, err := read(ctx, tx, s.cli, s.key)
			if err != nil {
				return err
			}
			ws, changed, err = change(ws)
			if err != nil || !changed {
				return err
			}
			slices.SortStableFunc(ws, func(a, b Window) int { return a.From.Compare(b.From) })
			ss := make([]stored, len(ws))
			for i, w := range ws {
				ss[i] = stored{Window: w}
				if !w.Created.IsZero() {
					ss[i].CreatedAt = &w.Created
				}
			}
			b, err := json.Marshal(ss)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				return p.Set(ctx, s.key, b, 0).Err()
			})
			return err
		}, s.key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		return changed, err
	}
	return false, fmt.Errorf("%s changed by other writers %d times in a row", s.key, attempts)
}

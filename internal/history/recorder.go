package history

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrRefused is Observe's error when the fence refused the write: a newer leader exists.
var ErrRefused = errors.New("record minute: refused by the fence: a newer leader exists")

// Recorder decides the leader's writes: at most one per minute and state, since a write
// only matters when it raises the minute's cell (the bigger state wins in Redis).
type Recorder struct {
	write func(ctx context.Context, minute time.Time, st State) (accepted bool, err error)

	mu     sync.Mutex
	minute time.Time // the last minute written, zero before the first write of a term
	wrote  State     // what was written for minute
}

// NewRecorder records through write (Store.Record with the leader's token, in practice).
func NewRecorder(write func(ctx context.Context, minute time.Time, st State) (accepted bool, err error)) *Recorder {
	return &Recorder{write: write}
}

// Observe records that at now the world is st. NoData writes nothing (a missing cell says
// it already). It writes when now's minute has nothing written by this recorder yet or st
// is bigger than what it wrote for that minute; a failed or refused write is tried again
// at the next Observe. ErrRefused says that the fence refused it.
func (r *Recorder) Observe(ctx context.Context, now time.Time, st State) error {
	if st == NoData {
		return nil
	}
	minute := now.UTC().Truncate(time.Minute)
	// Held across the write, so that two observations of one minute never both write.
	r.mu.Lock()
	defer r.mu.Unlock()
	if minute.Equal(r.minute) && st <= r.wrote {
		return nil
	}
	accepted, err := r.write(ctx, minute, st)
	if err != nil {
		return fmt.Errorf("record minute %s: %w", minute.Format(IDLayout), err)
	}
	if !accepted {
		return ErrRefused
	}
	r.minute, r.wrote = minute, st
	return nil
}

// Reset starts a new leadership term: what was written before is forgotten, so the next
// Observe writes under the new token.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.minute, r.wrote = time.Time{}, NoData
}

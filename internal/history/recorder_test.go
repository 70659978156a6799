package history_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"statusedge/internal/history"
)

// fakeWrites is a write func that lists its calls and answers as told.
type fakeWrites struct {
	mu       sync.Mutex
	calls    []string
	accepted bool
	err      error
}

func (f *fakeWrites) write(_ context.Context, minute time.Time, st history.State) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, minute.Format("15:04")+" "+string("NUDM"[st]))
	return f.accepted, f.err
}

func TestRecorderObserve(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	U, D, M, N := history.Up, history.Down, history.Maintenance, history.NoData
	type obs struct {
		sec int // seconds after 12:00
		st  history.State
	}
	tests := []struct {
		name   string
		obs    []obs
		resetB int // observation index before which Reset is called; 0: never
		want   []string
	}{
		{"one write per minute and state", []obs{{0, U}, {10, U}, {59, U}}, 0, []string{"12:00 U"}},
		{"a bigger state writes again", []obs{{0, U}, {10, D}, {20, U}, {30, M}}, 0, []string{"12:00 U", "12:00 D", "12:00 M"}},
		{"a smaller one does not", []obs{{0, D}, {10, U}}, 0, []string{"12:00 D"}},
		{"no data writes nothing", []obs{{0, N}, {10, N}}, 0, nil},
		{"each minute its own", []obs{{50, U}, {60, U}, {130, D}}, 0, []string{"12:00 U", "12:01 U", "12:02 D"}},
		{"a new term writes again", []obs{{0, U}, {10, U}, {20, U}}, 2, []string{"12:00 U", "12:00 U"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeWrites{accepted: true}
			r := history.NewRecorder(f.write)
			for i, o := range tt.obs {
				if tt.resetB != 0 && i == tt.resetB {
					r.Reset()
				}
				if err := r.Observe(context.Background(), t0.Add(time.Duration(o.sec)*time.Second), o.st); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(f.calls, tt.want) {
				t.Errorf("writes %q, want %q", f.calls, tt.want)
			}
		})
	}
}

// TestRecorderRetries: a failed or refused write is not taken as written.
func TestRecorderRetries(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	boom := errors.New("connection refused")
	f := &fakeWrites{err: boom}
	r := history.NewRecorder(f.write)
	if err := r.Observe(context.Background(), t0, history.Up); !errors.Is(err, boom) {
		t.Errorf("failed write: %v", err)
	}
	f.err = nil
	if err := r.Observe(context.Background(), t0, history.Up); !errors.Is(err, history.ErrRefused) {
		t.Errorf("refused write: %v, want ErrRefused", err)
	}
	f.accepted = true
	for range 2 {
		if err := r.Observe(context.Background(), t0, history.Up); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"12:00 U", "12:00 U", "12:00 U"}; !slices.Equal(f.calls, want) {
		t.Errorf("writes %q, want %q", f.calls, want)
	}
}

// TestRecorderConcurrent: observations of one minute at once write it once.
func TestRecorderConcurrent(t *testing.T) {
	f := &fakeWrites{accepted: true}
	r := history.NewRecorder(f.write)
	now := time.Date(2026, 3, 10, 12, 0, 30, 0, time.UTC)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if err := r.Observe(context.Background(), now, history.Down); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(f.calls) != 1 {
		t.Errorf("writes %q, want one", f.calls)
	}
}

package worldstate

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"statusedge/internal/maintenance"
)

// fakeFiles is a maintenance file that always says sched for its world.
type fakeFiles struct {
	world string
	sched maintenance.Schedule
}

func (f fakeFiles) Schedule(world string) maintenance.Schedule {
	if world != f.world {
		return maintenance.Schedule{}
	}
	return f.sched
}
func (f fakeFiles) Err() error { return nil }

// fakeStore answers each read with the next of its answers.
type fakeStore struct {
	answers []func() ([]maintenance.Window, error)
	reads   int
}

func (s *fakeStore) Windows(ctx context.Context) ([]maintenance.Window, error) {
	if _, ok := ctx.Deadline(); !ok {
		return nil, errors.New("read without a deadline")
	}
	a := s.answers[s.reads]
	s.reads++
	return a()
}

// TestPlanSourcePoll: the plan is the file's windows and the command line's as last read;
// a failed read keeps the command line's last windows (a window is never cut short by a
// Redis hiccup), with one warning for a run of failures.
func TestPlanSourcePoll(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 30, 0, 0, time.UTC)
	fileWin := maintenance.Window{From: now.Add(2 * time.Hour), Until: now.Add(3 * time.Hour)}
	cliWin := maintenance.Window{From: now.Add(-time.Minute), Until: now.Add(time.Hour)}
	down := errors.New("redis down")
	store := &fakeStore{answers: []func() ([]maintenance.Window, error){
		func() ([]maintenance.Window, error) { return []maintenance.Window{cliWin}, nil },
		func() ([]maintenance.Window, error) { return nil, down },
		func() ([]maintenance.Window, error) { return nil, down },
		func() ([]maintenance.Window, error) { return nil, nil },
	}}
	var logs bytes.Buffer
	p := NewPlanSource(fakeFiles{world: "x1", sched: maintenance.Schedule{OneOff: []maintenance.Window{fileWin}}}, "x1", store,
		time.Second, slog.New(slog.NewTextHandler(&logs, nil)))

	if active, next := p.At(now); active != nil || next == nil || !next.From.Equal(fileWin.From) {
		t.Fatalf("before any read: active %v, next %v; want none active, the file's window next", active, next)
	}
	p.Poll(context.Background())
	if active, _ := p.At(now); active == nil || !active.Until.Equal(cliWin.Until) {
		t.Fatalf("after a read: active %v; want the command line's window", active)
	}
	p.Poll(context.Background())
	p.Poll(context.Background())
	if active, _ := p.At(now); active == nil || !active.Until.Equal(cliWin.Until) {
		t.Fatalf("after failed reads: active %v; want the command line's last window to stand", active)
	}
	if n := strings.Count(logs.String(), "the last ones stand"); n != 1 {
		t.Fatalf("%d warnings for a run of failed reads, want 1:\n%s", n, logs.String())
	}
	p.Poll(context.Background())
	if active, _ := p.At(now); active != nil {
		t.Fatalf("after a read of no windows: active %v; want none", active)
	}
	if got := len(p.Plan().Command); got != 0 {
		t.Fatalf("plan keeps %d command line windows after a read of none", got)
	}
}

// TestWindowKey: two windows are told apart by their bounds, whatever their zone; no
// window is "".
func TestWindowKey(t *testing.T) {
	from := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	a := &maintenance.Window{From: from, Until: from.Add(time.Hour)}
	same := &maintenance.Window{From: from.In(time.FixedZone("MSK", 3*3600)), Until: from.Add(time.Hour), Message: maintenance.Text{EN: "other"}}
	later := &maintenance.Window{From: from, Until: from.Add(2 * time.Hour)}
	if WindowKey(nil) != "" {
		t.Fatalf("WindowKey(nil) = %q, want empty", WindowKey(nil))
	}
	if WindowKey(a) != WindowKey(same) {
		t.Fatalf("same bounds in another zone: %q != %q", WindowKey(a), WindowKey(same))
	}
	if WindowKey(a) == WindowKey(later) {
		t.Fatalf("a window extended keeps its key %q", WindowKey(a))
	}
}

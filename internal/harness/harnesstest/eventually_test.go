package harnesstest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fatalRecorder is a testing.TB whose Fatalf records the message and ends the goroutine,
// as the real one does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// runFatal runs fn on a goroutine of its own, so that Fatalf may end it.
func runFatal(fn func()) {
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	<-done
}

func TestEventuallyReturnsOnceTheLookHolds(t *testing.T) {
	looks := 0
	Eventually(t, 10*time.Second, Every(time.Millisecond, "a counter"), func(context.Context) error {
		if looks++; looks < 3 {
			return fmt.Errorf("counter %d, want 3", looks)
		}
		return nil
	})
	if looks != 3 {
		t.Errorf("%d looks, want 3", looks)
	}
}

func TestEventuallyReportsTheLastLook(t *testing.T) {
	rec := &fatalRecorder{TB: t}
	looks := 0
	runFatal(func() {
		Eventually(rec, 50*time.Millisecond, Every(time.Millisecond, "a counter"), func(ctx context.Context) error {
			looks++
			if looks > 1 && ctx.Err() != nil {
				return ctx.Err() // a look cut short: must not hide the reason before it
			}
			return errors.New("counter 1, want 3")
		})
	})
	for _, want := range []string{"not within 50ms", "polling a counter every 1ms", "counter 1, want 3"} {
		if !strings.Contains(rec.msg, want) {
			t.Errorf("failure %q lacks %q", rec.msg, want)
		}
	}
}

func TestLogBufferWhileWritten(t *testing.T) {
	var l LogBuffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				fmt.Fprintf(&l, `{"msg":"line","writer":%d,"n":%d}`+"\n", i, j)
				_ = l.String() // read while the others write: the race detector watches
			}
		})
	}
	wg.Wait()
	if _, err := l.Write([]byte(`{"msg":"unended"`)); err != nil {
		t.Fatal(err)
	}
	recs := l.Records()
	if len(recs) != 800 {
		t.Fatalf("%d records, want 800 (the unended line left out)", len(recs))
	}
	for _, r := range recs {
		if r["msg"] != "line" {
			t.Fatalf("record %v", r)
		}
	}
}

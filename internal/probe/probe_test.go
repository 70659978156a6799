package probe

import (
	"context"
	"encoding/json"
	"net"
	"sync"
	"testing"
	"time"
)

// listen starts a loopback listener owned by the test that hands every accepted
// connection to handle on its own goroutine. At cleanup the listener closes, done is
// closed so that handlers that hold a connection let go, and every goroutine is waited for.
func listen(t *testing.T, handle func(c net.Conn, done <-chan struct{})) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed at cleanup
			}
			wg.Go(func() {
				defer c.Close()
				handle(c, done)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		close(done)
		wg.Wait()
	})
	return ln.Addr().String()
}

func closeAtOnce(net.Conn, <-chan struct{}) {}

func speak(c net.Conn, _ <-chan struct{}) { c.Write([]byte("220 login server ready\r\n")) }

// silent accepts and then never writes: a hung or SIGSTOPped game server looks like this,
// since the kernel completes the handshake without the process.
func silent(_ net.Conn, done <-chan struct{}) { <-done }

// closedPort returns a loopback address on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func TestProbe(t *testing.T) {
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name    string
		kind    Kind
		addr    func(t *testing.T) string
		ok      bool
		wantErr string
	}{
		{"tcp: accepted", TCP, func(t *testing.T) string { return listen(t, closeAtOnce) }, true, ""},
		{"tcp: accepted by a silent server counts", TCP, func(t *testing.T) string { return listen(t, silent) }, true, ""},
		{"tcp: closed port", TCP, closedPort, false, "connection refused"},
		{"banner: server speaks first", Banner, func(t *testing.T) string { return listen(t, speak) }, true, ""},
		{"banner: accepted but never writes", Banner, func(t *testing.T) string { return listen(t, silent) }, false, "accepted but sent nothing within 0.3s"},
		{"banner: accepted then closed", Banner, func(t *testing.T) string { return listen(t, closeAtOnce) }, false, "accepted but closed before sending"},
		{"banner: closed port", Banner, closedPort, false, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := tt.addr(t)
			start := time.Now()
			r := NewProber(tt.kind, timeout).Probe(t.Context(), addr)
			elapsed := time.Since(start)
			if r.Addr != addr || r.OK != tt.ok || r.Error != tt.wantErr {
				t.Errorf("result = %+v, want addr %s ok %v error %q", r, addr, tt.ok, tt.wantErr)
			}
			if r.LatencyMS < 0 || time.Duration(r.LatencyMS)*time.Millisecond > elapsed {
				t.Errorf("latency_ms = %d, outside 0..%v", r.LatencyMS, elapsed)
			}
			checkDeadline(t, elapsed, timeout)
		})
	}
}

// checkDeadline fails when a probe ran past its deadline. The slack covers scheduling on
// a loaded machine; a probe that ignored its deadline would wait for the peer forever.
func checkDeadline(t *testing.T, elapsed, timeout time.Duration) {
	t.Helper()
	if slack := 500 * time.Millisecond; elapsed > timeout+slack {
		t.Errorf("probe took %v, deadline %v", elapsed, timeout)
	}
}

// A connect that never completes (a firewall dropping SYNs) ends at the deadline too.
func TestProbeDialNeverCompletes(t *testing.T) {
	const timeout = 200 * time.Millisecond
	p := NewProber(TCP, timeout)
	p.dial = func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	start := time.Now()
	r := p.Probe(t.Context(), "192.0.2.1:7777")
	checkDeadline(t, time.Since(start), timeout)
	if r.OK || r.Error != "no connection within 0.2s" {
		t.Errorf("result = %+v, want a failure after the deadline", r)
	}
}

// Shutdown cancels a banner probe that is waiting for a byte at once, not at its deadline.
func TestProbeCancelled(t *testing.T) {
	accepted := make(chan struct{})
	addr := listen(t, func(c net.Conn, done <-chan struct{}) {
		close(accepted)
		<-done
	})
	ctx, cancel := context.WithCancel(t.Context())
	result := make(chan Result, 1)
	go func() { result <- NewProber(Banner, time.Hour).Probe(ctx, addr) }()
	<-accepted
	cancel()
	select {
	case r := <-result:
		if r.OK || r.Error != "probe cancelled" {
			t.Errorf("result = %+v, want a cancelled failure", r)
		}
	case <-time.After(30 * time.Second): // a failure bound, not synchronisation
		t.Fatal("probe did not return after its context was cancelled")
	}
}

// TestRoundConcurrent proves that a round probes all targets at once: every server here
// speaks only once all of them hold a connection, so probing one after the other would
// leave the first waiting until its deadline and fail it.
func TestRoundConcurrent(t *testing.T) {
	const n = 3
	var mu sync.Mutex
	waiting := 0
	all := make(chan struct{})
	gated := func(c net.Conn, done <-chan struct{}) {
		mu.Lock()
		if waiting++; waiting == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
			c.Write([]byte("x"))
		case <-done:
		}
	}
	var addrs []string
	for range n {
		addrs = append(addrs, listen(t, gated))
	}
	refused := closedPort(t)
	addrs = append(addrs, refused)
	results := NewProber(Banner, 20*time.Second).Round(t.Context(), addrs)
	if len(results) != len(addrs) {
		t.Fatalf("%d results for %d targets", len(results), len(addrs))
	}
	for i, r := range results {
		if r.Addr != addrs[i] {
			t.Errorf("result %d is for %s, want %s: results follow the targets' order", i, r.Addr, addrs[i])
		}
		if wantOK := r.Addr != refused; r.OK != wantOK {
			t.Errorf("%s: ok = %v (%s), want %v", r.Addr, r.OK, r.Error, wantOK)
		}
	}
	if Succeeded(results) {
		t.Error("a round with a refused target succeeded")
	}
}

// TestResultJSON pins the field names the snapshot's "probe" array publishes.
func TestResultJSON(t *testing.T) {
	b, err := json.Marshal(Result{Addr: "127.0.0.1:7777", OK: false, LatencyMS: 3000, Error: "connection refused"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"addr":"127.0.0.1:7777","ok":false,"latency_ms":3000,"error":"connection refused"}`; string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
}

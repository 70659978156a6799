// Package probe checks that the game server answers on the network, so that the status
// page shows its real state within seconds instead of whatever the database last said.
// A Prober runs one round over every target at once, a Tracker turns rounds into an
// online/offline verdict that does not flap on one lost round, and a Loop paces rounds.
package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Kind is what counts as an answer from a target.
type Kind string

const (
	// TCP: the connection is accepted.
	TCP Kind = "tcp"
	// Banner: the connection is accepted and at least one byte arrives before the
	// deadline. The kernel accepts connections for a hung or stopped process on its own,
	// so only a byte written by the process proves that it is alive; many game login
	// servers speak first.
	Banner Kind = "banner"
)

// ParseKind reads a probe kind, in any letter case. It is the one rule for
// GAME_SERVER_PROBE and a worlds file's game_server kind; the caller names the setting.
func ParseKind(v string) (Kind, error) {
	switch k := Kind(strings.ToLower(v)); k {
	case TCP, Banner:
		return k, nil
	}
	return "", fmt.Errorf("want %q or %q", TCP, Banner)
}

// Result is one target's answer in one round; it is published in the snapshot's "probe".
type Result struct {
	Addr string `json:"addr"`
	OK   bool   `json:"ok"`
	// LatencyMS is the time to the answer (the accepted connection, or the first byte for
	// Banner) in whole milliseconds; for a failure, the time until it failed, so a
	// timeout reads as the deadline and a refused connection as about 0.
	LatencyMS int64 `json:"latency_ms"`
	// Error says why the target failed, short enough for a status page; empty when OK.
	Error string `json:"error"`
}

// Prober probes targets with one Kind and deadline.
type Prober struct {
	kind    Kind
	timeout time.Duration
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
}

// NewProber returns a Prober whose every probe ends within timeout.
func NewProber(kind Kind, timeout time.Duration) *Prober {
	var d net.Dialer
	return &Prober{kind: kind, timeout: timeout, dial: d.DialContext}
}

// Round probes every address at once, so a round lasts at most one timeout however many
// targets there are. Results are in the order of addrs.
func (p *Prober) Round(ctx context.Context, addrs []string) []Result {
	out := make([]Result, len(addrs))
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Go(func() { out[i] = p.Probe(ctx, a) })
	}
	wg.Wait()
	return out
}

// Probe checks one address. It returns within the Prober's timeout, or sooner when ctx ends.
func (p *Prober) Probe(ctx context.Context, addr string) Result {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	err := p.probe(ctx, addr)
	r := Result{Addr: addr, OK: err == nil, LatencyMS: time.Since(start).Milliseconds()}
	if err != nil {
		r.Error = p.describe(ctx, err)
	}
	return r
}

// errSilent and errClosed are Banner failures after an accepted connection.
var (
	errSilent = errors.New("accepted but sent nothing")
	errClosed = errors.New("accepted but closed before sending")
)

func (p *Prober) probe(ctx context.Context, addr string) error {
	conn, err := p.dial(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if p.kind != Banner {
		return nil
	}
	// The read obeys the same deadline as the dial, and a ctx cancelled early (shutdown)
	// unblocks it at once instead of waiting for the deadline.
	deadline, _ := ctx.Deadline()
	if err := conn.SetReadDeadline(deadline); err != nil {
		return fmt.Errorf("set read deadline: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	var b [1]byte
	n, err := conn.Read(b[:])
	switch {
	case n > 0:
		return nil
	case errors.Is(ctx.Err(), context.Canceled):
		return ctx.Err() // cut short by the caller, not silence from the server
	case errors.Is(err, io.EOF):
		return errClosed
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errSilent
	case err != nil:
		return err
	}
	return errClosed // a 0-byte read without an error: nothing arrived
}

// describe turns err into a short reason for the status page and the webhook: the
// address is already in the Result, and "dial tcp 1.2.3.4:7777: connect:" adds nothing.
func (p *Prober) describe(ctx context.Context, err error) string {
	secs := p.timeout.Seconds()
	switch {
	case errors.Is(err, errSilent):
		return fmt.Sprintf("accepted but sent nothing within %gs", secs)
	case errors.Is(err, errClosed):
		return err.Error()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("no connection within %gs", secs)
	case errors.Is(err, context.Canceled):
		return "probe cancelled"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

package harness

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"
)

// GameServer is a fake game server on loopback, for `make run` and the probe's tests: a
// listener that can be closed and reopened on one address, to watch the probe flip. A
// speaking one greets every connection (both probe kinds pass); a silent one accepts and
// never writes, as a hung game server looks once the kernel has accepted for it.
type GameServer struct {
	Addr  string
	speak bool

	mu    sync.Mutex
	ln    net.Listener
	done  chan struct{} // closed with the listener: releases silent connections
	retry chan struct{} // non-nil while a reopen waits for its port: closed to give up
	wg    sync.WaitGroup
}

// ReopenEvery is how often a reopen whose port was taken tries again.
const ReopenEvery = 500 * time.Millisecond

// StartGameServer listens on a free loopback port.
func StartGameServer(speak bool) (*GameServer, error) {
	g := &GameServer{Addr: "127.0.0.1:0", speak: speak}
	if err := g.Open(); err != nil {
		return nil, err
	}
	g.Addr = g.ln.Addr().String()
	return g, nil
}

// Open listens on Addr again; it does nothing while open.
func (g *GameServer) Open() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open()
}

// open listens, g.mu held.
func (g *GameServer) open() error {
	if g.ln != nil {
		return nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", g.Addr)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	g.ln, g.done = ln, done
	g.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			g.wg.Go(func() {
				defer c.Close()
				if g.speak {
					_, _ = c.Write([]byte("statusedge fake game server\r\n"))
					return
				}
				<-done
			})
		}
	})
	return nil
}

// Close stops listening (the probe then sees "connection refused"); it does nothing
// while closed.
// while closed. A reopen still waiting for its port gives up.
func (g *GameServer) Close() {
	g.mu.Lock()
	ln, done, retry := g.ln, g.done, g.retry
	g.ln, g.retry = nil, nil
	g.mu.Unlock()
	if retry != nil {
		close(retry)
	}
	if ln != nil {
		ln.Close()
		close(done)
	}
	g.wg.Wait()
}

// Toggle closes an open server (or one waiting to reopen) and opens a closed one; it
// says whether it is open, or reopening, now. When another process took the port while
// it was closed, the reopen goes on in the background every ReopenEvery until the port
// is free (or Close): the error says so, and the caller need not stop.
func (g *GameServer) Toggle() (bool, error) {
	g.mu.Lock()
	if g.ln != nil || g.retry != nil {
		g.mu.Unlock()
		g.Close()
		return false, nil
	}
	defer g.mu.Unlock()
	err := g.open()
	if err == nil {
		return true, nil
	}
	retry := make(chan struct{})
	g.retry = retry
	g.wg.Go(func() { g.reopen(retry) })
	return true, fmt.Errorf("reopen %s: %w; trying again every %v", g.Addr, err, ReopenEvery)
}

// reopen tries to listen every ReopenEvery until it does or retry is closed.
func (g *GameServer) reopen(retry chan struct{}) {
	t := time.NewTicker(ReopenEvery)
	defer t.Stop()
	for {
		select {
		case <-retry:
			return
		case <-t.C:
		}
		g.mu.Lock()
		if g.retry != retry { // closed meanwhile
			g.mu.Unlock()
			return
		}
		if g.open() == nil {
			g.retry = nil
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
	}
}

package harness

import (
	"context"
	"net"
	"sync"
)

// GameServer is a fake game server on loopback, for `make run` and the probe's tests: a
// listener that can be closed and reopened on one address, to watch the probe flip. A
// speaking one greets every connection (both probe kinds pass); a silent one accepts and
// never writes, as a hung game server looks once the kernel has accepted for it.
type GameServer struct {
	Addr  string
	speak bool

	mu   sync.Mutex
	ln   net.Listener
	done chan struct{} // closed with the listener: releases silent connections
	wg   sync.WaitGroup
}

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
func (g *GameServer) Close() {
	g.mu.Lock()
	ln, done := g.ln, g.done
	g.ln = nil
	g.mu.Unlock()
	if ln == nil {
		return
	}
	ln.Close()
	close(done)
	g.wg.Wait()
}

// Toggle closes an open server and opens a closed one; it says whether it is open now.
func (g *GameServer) Toggle() (bool, error) {
	g.mu.Lock()
	open := g.ln != nil
	g.mu.Unlock()
	if open {
		g.Close()
		return false, nil
	}
	return true, g.Open()
}

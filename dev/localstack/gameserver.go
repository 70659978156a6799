package main

import (
	"context"
	"net"
	"sync"
)

// gameServer is the fake game server `make run` probes when GAME_SERVER_ADDR is unset: a
// loopback listener that greets every connection (so both probe kinds pass). Toggle
// closes it (the probe sees "connection refused") or reopens it on the same port, so
// that one can watch the page flip.
type gameServer struct {
	addr string
	mu   sync.Mutex
	ln   net.Listener
	wg   sync.WaitGroup
}

func startGameServer() (*gameServer, error) {
	g := &gameServer{addr: "127.0.0.1:0"}
	if err := g.open(); err != nil {
		return nil, err
	}
	g.addr = g.ln.Addr().String()
	return g, nil
}

func (g *gameServer) open() error {
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", g.addr)
	if err != nil {
		return err
	}
	g.ln = ln
	g.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("statusedge fake game server\r\n"))
			c.Close()
		}
	})
	return nil
}

// Toggle closes the listener when it is open and reopens it when it is closed; it says
// whether it is open now.
func (g *gameServer) Toggle() (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ln != nil {
		g.ln.Close()
		g.wg.Wait()
		g.ln = nil
		return false, nil
	}
	return true, g.open()
}

// Stop closes the listener for good.
func (g *gameServer) Stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ln != nil {
		g.ln.Close()
		g.wg.Wait()
		g.ln = nil
	}
}

package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"statusedge/internal/config"
	"statusedge/internal/snapshot"
)

// memStore is an in-memory statusStore: the benchmark measures the handler, not Redis.
type memStore struct{ data []byte }

func (m *memStore) Get(context.Context) ([]byte, error)              { return m.data, nil }
func (m *memStore) Put(context.Context, []byte, time.Duration) error { return nil }
func (m *memStore) TTL(context.Context) (snapshot.Expiry, error) {
	return snapshot.Expiry{Exists: true, Expires: true, Left: time.Minute}, nil
}
func (m *memStore) Ping(context.Context) error { return nil }
func (m *memStore) Interval(_ context.Context, configured, _ time.Duration) snapshot.Interval {
	return snapshot.Interval{Every: configured}
}
func (m *memStore) Record(context.Context) (snapshot.RefreshRecord, bool, error) {
	return snapshot.RefreshRecord{}, false, nil
}
func (m *memStore) ProbeRound(context.Context) (snapshot.ProbeRound, bool, error) {
	return snapshot.ProbeRound{}, false, nil
}

func BenchmarkStatusHandler(b *testing.B) {
	snap, _ := snapshot.Build([]snapshot.Row{}, time.Now(), config.DefaultTTL)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := &chain{store: &memStore{data: snap.Encode()}, pingDB: func(context.Context) error { return nil },
		ttl: config.DefaultTTL, redisTimeout: time.Second,
		now: time.Now, log: logger, metrics: newMetrics(prometheus.NewRegistry())}
	h := NewServer(logger, []*world{{chain: c, debug: debugDeps{store: c.store, pingDB: c.pingDB}}}, prometheus.NewRegistry())
	req := httptest.NewRequest(http.MethodGet, "/server/status", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

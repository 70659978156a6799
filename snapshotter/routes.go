package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewServer serves the snapshotter's health, role and metrics.
func NewServer(logger *slog.Logger, r *refresher, ro *role, gatherer prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", handleHealthz(logger, r))
	mux.HandleFunc("GET /debug", handleDebug(logger, r, ro))
	mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	return mux
}

func handleHealthz(logger *slog.Logger, r *refresher) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		h := r.Health()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !h.Healthy {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		if err := json.NewEncoder(w).Encode(h); err != nil {
			logger.Debug("write healthz", "err", err)
		}
	}
}

// debugInfo is the replica's view of the fleet: its role, who holds the lease, how old
// its copy in STATUS_DIR is, and when the next refresh is due.
type debugInfo struct {
	Now time.Time `json:"now"`
	roleStatus
	LocalUpdatedAt  *time.Time `json:"local_updated_at"`
	LocalAgeSeconds *int64     `json:"local_age_seconds"`
	LocalFresh      bool       `json:"local_fresh"`
	NextRefreshDue  *time.Time `json:"next_refresh_due"`
	LastRefused     *refusal   `json:"last_refused,omitempty"`
}

func handleDebug(logger *slog.Logger, r *refresher, ro *role) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		now := r.now()
		info := debugInfo{Now: now.UTC(), roleStatus: ro.status(req.Context())}
		info.LocalUpdatedAt, info.LocalAgeSeconds, info.LocalFresh = r.local.View(now)
		info.LastRefused = r.local.Refused()
		if due := r.NextDue(); !due.IsZero() {
			due = due.UTC()
			info.NextRefreshDue = &due
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(info); err != nil {
			logger.Debug("write debug", "err", err)
		}
	}
}

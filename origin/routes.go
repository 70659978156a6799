package main

import (
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"statusedge/nginx"
)

// NewServer lists every route of the origin.
func NewServer(logger *slog.Logger, c *chain, d debugDeps, gatherer prometheus.Gatherer) http.Handler {
	r := mux.NewRouter()
	// /server/status when reached directly; /<doc> as nginx asks for a document past its window.
	r.Handle("/server/status", handleStatus(logger, c, c.now)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/"+nginx.StatusDoc, handleStatus(logger, c, c.now)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/server/status/debug", handleDebug(logger, c, d)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte("ok\n"))
	}).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/readyz", handleReady(logger, c)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{})).Methods(http.MethodGet)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not found")
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	})
	r.Use(c.metrics.instrument)
	return r
}

// handleReady is 200 while the origin can answer from Redis or MySQL.
func handleReady(logger *slog.Logger, c *chain) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		source, err := c.Ready(r.Context())
		if err != nil {
			// Debug: an orchestrator probes this every few seconds through an outage.
			logger.Debug("not ready", "err", err)
			writeError(w, http.StatusServiceUnavailable, "not ready: neither Redis nor MySQL answers")
			return
		}
		_, _ = w.Write([]byte("ready: " + source + "\n"))
	}
}

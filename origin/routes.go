package main

import (
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// NewServer lists every route of the origin. One world without a worlds file answers as
// it always has; with a file, each world's status has its own route, and the debug page
// and /readyz cover every world.
func NewServer(logger *slog.Logger, ws []*world, gatherer prometheus.Gatherer) http.Handler {
	r := mux.NewRouter()
	if legacy(ws) {
		c := ws[0].chain
		// /server/status when reached directly; /<doc> as nginx asks for a document past its window.
		r.Handle("/server/status", handleStatus(logger, c, c.now)).Methods(http.MethodGet, http.MethodHead)
		r.Handle("/"+nginx.StatusDoc, handleStatus(logger, c, c.now)).Methods(http.MethodGet, http.MethodHead)
		r.Handle("/server/status/debug", handleDebug(logger, c, ws[0].debug)).Methods(http.MethodGet, http.MethodHead)
	} else {
		// /<doc> of each world's status document (snapshot.WorldLayout), as nginx asks for it.
		r.Handle("/"+snapshot.WorldsDoc+"/{id}/status", handleWorldStatus(logger, ws)).Methods(http.MethodGet, http.MethodHead)
		r.Handle("/server/status/debug", handleWorldsDebug(logger, ws)).Methods(http.MethodGet, http.MethodHead)
	}
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte("ok\n"))
	}).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/readyz", handleReady(logger, ws)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{})).Methods(http.MethodGet)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not found")
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
	})
	// Every world's metrics share the one latency series (by route).
	r.Use(ws[0].chain.metrics.instrument)
	return r
}

// handleWorldStatus serves GET and HEAD /api/worlds/{id}/status: the world's status as
// /server/status serves the one world's, a JSON 404 for an id the worlds file lacks.
func handleWorldStatus(logger *slog.Logger, ws []*world) http.HandlerFunc {
	byID := make(map[string]http.Handler, len(ws))
	for _, wd := range ws {
		byID[wd.id] = handleStatus(logger.With("world", wd.id), wd.chain, wd.chain.now)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		h, ok := byID[mux.Vars(r)["id"]]
		if !ok {
			// The id is not echoed: the answer says nothing a visitor did not send.
			writeError(w, http.StatusNotFound, "unknown world")
			return
		}
		h.ServeHTTP(w, r)
	}
}

// handleReady is 200 while the origin can answer from Redis or MySQL.
func handleReady(logger *slog.Logger, ws []*world) http.HandlerFunc {
	msg := "not ready: neither Redis nor MySQL answers"
	if !legacy(ws) {
		msg = "not ready: neither Redis nor every world's MySQL answers"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		source, err := ready(r.Context(), ws)
		if err != nil {
			// Debug: an orchestrator probes this every few seconds through an outage.
			logger.Debug("not ready", "err", err)
			writeError(w, http.StatusServiceUnavailable, msg)
			return
		}
		_, _ = w.Write([]byte("ready: " + source + "\n"))
	}
}

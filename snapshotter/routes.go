package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"statusedge/internal/documents"
	"statusedge/internal/history"
	"statusedge/internal/leader"
	"statusedge/internal/maintenance"
	"statusedge/internal/replica"
	"statusedge/internal/snapshot"
)

// NewServer serves the snapshotter's health, role and metrics. One world without a worlds
// file answers as it always has; with a file, each answer lists every world.
func NewServer(logger *slog.Logger, ws []*world, ro *leader.Role, hist *documents.Historian, gatherer prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", handleHealthz(logger, ws))
	mux.HandleFunc("GET /debug", handleDebug(logger, ws, ro, hist))
	mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	// An operator's title and message on an incident, public text on the status page:
	// from this host only (loopback), even where SNAPSHOTTER_ADDR listens wider for
	// metrics scrapes (compose binds 0.0.0.0). `snapshotter incident note` does the same
	// from anywhere that reaches Redis.
	stores := make(map[string]*history.Store, len(ws))
	for _, w := range ws {
		stores[w.setup.layout.World] = w.hist
	}
	mux.HandleFunc("POST /incidents/notes", operatorOnly(logger, incidentNoteHandler(logger, stores, time.Now)))
	return mux
}

// legacy reports whether ws is the one world of a deployment without a worlds file.
func legacy(ws []*world) bool { return len(ws) == 1 && ws[0].setup.layout.World == "" }

// worldHealth is one world's /healthz.
type worldHealth struct {
	World string `json:"world"`
	replica.Health
}

func handleHealthz(logger *slog.Logger, ws []*world) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		var body any
		healthy := true
		if legacy(ws) {
			h := ws[0].r.Health()
			body, healthy = h, h.Healthy
		} else {
			all := struct {
				Healthy bool          `json:"healthy"` // every world is
				Worlds  []worldHealth `json:"worlds"`
			}{Worlds: make([]worldHealth, 0, len(ws))}
			for _, wd := range ws {
				h := wd.r.Health()
				healthy = healthy && h.Healthy
				all.Worlds = append(all.Worlds, worldHealth{wd.setup.layout.World, h})
			}
			all.Healthy = healthy
			body = all
		}
		writeJSON(logger, w, body, healthy, false)
	}
}

// debugInfo is the replica's view of the fleet: its role, who holds the lease, and for
// each world how old its copy in STATUS_DIR is and when the next refresh is due.
type debugInfo struct {
	Now time.Time `json:"now"`
	leader.Status
	worldDebug
	// Worlds is every world's view, with a worlds file (the fields above are then empty).
	Worlds []worldDebug `json:"worlds,omitempty"`
	// HistoryBuildMS is how long the historian's last pass took to read the record and
	// build every world's history (publishing left out).
	HistoryBuildMS float64 `json:"history_build_ms"`
	// MaintenanceFileError is why the maintenance file as it stands is refused: the last
	// good plan stays in force until it is good again.
	MaintenanceFileError string `json:"maintenance_file_error,omitempty"`
}

// worldDebug is one world's part of /debug.
type worldDebug struct {
	World           string            `json:"world,omitempty"`
	LocalUpdatedAt  *time.Time        `json:"local_updated_at"`
	LocalAgeSeconds *int64            `json:"local_age_seconds"`
	LocalFresh      bool              `json:"local_fresh"`
	NextRefreshDue  *time.Time        `json:"next_refresh_due"`
	LastRefused     *snapshot.Refusal `json:"last_refused,omitempty"`
	LastError       string            `json:"last_error,omitempty"`
	// Online is the probe's verdict on this replica (the leader's), absent without one.
	Online *bool `json:"probe_online,omitempty"`
	// Maintenance is the window active now, and NextMaintenance the next announced one,
	// as this replica's plan says.
	Maintenance     *maintenance.Window `json:"maintenance,omitempty"`
	NextMaintenance *maintenance.Window `json:"next_maintenance,omitempty"`
}

func (wd *world) debug(now time.Time) worldDebug {
	d := worldDebug{World: wd.setup.layout.World}
	d.LocalUpdatedAt, d.LocalAgeSeconds, d.LocalFresh = wd.r.Local().View(now)
	d.LastRefused = wd.r.Local().Refused()
	d.Maintenance, d.NextMaintenance = wd.plan.At(now)
	if due := wd.r.NextDue(); !due.IsZero() {
		due = due.UTC()
		d.NextRefreshDue = &due
	}
	h := wd.r.Health()
	d.LastError = h.LastError
	if h.LastProbe != nil {
		d.Online = h.LastProbe.Online
	}
	return d
}

func handleDebug(logger *slog.Logger, ws []*world, ro *leader.Role, hist *documents.Historian) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		now := time.Now()
		info := debugInfo{Now: now.UTC(), Status: ro.Status(req.Context()), HistoryBuildMS: hist.Took().Seconds() * 1000}
		if err := ws[0].plan.FileErr(); err != nil {
			info.MaintenanceFileError = err.Error()
		}
		if legacy(ws) {
			info.worldDebug = ws[0].debug(now)
			info.LastError, info.Online = "", nil // today's shape: /healthz has these
		} else {
			for _, wd := range ws {
				info.Worlds = append(info.Worlds, wd.debug(now))
			}
		}
		writeJSON(logger, w, info, true, true)
	}
}

// writeJSON answers body as JSON, never cached; 503 unless ok.
func writeJSON(logger *slog.Logger, w http.ResponseWriter, body any, ok, indent bool) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	enc := json.NewEncoder(w)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(body); err != nil {
		logger.Debug("write response", "err", err)
	}
}

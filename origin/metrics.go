package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"statusedge/internal/snapshot"
	"statusedge/internal/telemetry"
)

// metricVecs are the origin's Prometheus series. Those of one chain carry a label
// `world`: the worlds file's id, or "" (no label, to PromQL) without a file, so that a
// deployment of one world keeps its series as they were. Worlds come from the file, so
// the label's values are bounded.
type metricVecs struct {
	answers  *prometheus.CounterVec   // by world and source
	redis    *prometheus.CounterVec   // by world: hit, miss, expired, error, garbage, refused
	mysql    *prometheus.CounterVec   // by world: ok, error, suppressed (inside the back-off window)
	duration *prometheus.HistogramVec // by route and code: the server's, not a world's
	refused  *prometheus.CounterVec   // implausible snapshots, by world and reason
	// planRefused is 1 while the maintenance file as it stands is refused.
	planRefused prometheus.Gauge
}

// metrics are one chain's series (curried from metricVecs by its world), and the
// server's request latency, which every chain's metrics share.
type metrics struct {
	answers  *prometheus.CounterVec   // by source
	redis    *prometheus.CounterVec   // hit, miss, expired, error, garbage, refused
	mysql    *prometheus.CounterVec   // ok, error, suppressed
	duration *prometheus.HistogramVec // by route and code
	refused  *prometheus.CounterVec   // by reason
}

func newMetricVecs(reg prometheus.Registerer) *metricVecs {
	w := []string{"world"}
	v := &metricVecs{
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusedge_origin_answers_total", Help: "Status answers by source (redis, database, last_known, none).",
		}, append(w, "source")),
		redis: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusedge_origin_redis_reads_total", Help: "Redis reads of the world's status key by result (hit, miss, expired: past fresh_until, error, garbage, refused: implausible).",
		}, append(w, "result")),
		mysql: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusedge_origin_mysql_fallbacks_total", Help: "MySQL fallback reads by result (ok, error, suppressed by the back-off).",
		}, append(w, "result")),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "statusedge_origin_request_duration_seconds", Help: "Request latency by route and status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "code"}),
		refused:     telemetry.RefusedSnapshots(w...),
		planRefused: telemetry.MaintenanceFileRefused(),
	}
	reg.MustRegister(v.answers, v.redis, v.mysql, v.duration, v.refused, v.planRefused)
	return v
}

// world is the series of one world's chain, each known value present from the start: a
// series born on its first event reads as no data to rate() and to alerts, and as a
// missing metric to the bench, where it is 0.
func (v *metricVecs) world(id string) *metrics {
	l := prometheus.Labels{"world": id}
	m := &metrics{
		answers: v.answers.MustCurryWith(l), redis: v.redis.MustCurryWith(l), mysql: v.mysql.MustCurryWith(l),
		duration: v.duration, refused: v.refused.MustCurryWith(l),
	}
	for _, source := range []string{sourceRedis, sourceDatabase, sourceLastKnown, "none"} {
		m.answers.WithLabelValues(source)
	}
	for _, reason := range []string{snapshot.RefusedFuture, snapshot.RefusedWindow} {
		m.refused.WithLabelValues(reason)
	}
	for _, result := range []string{"hit", "miss", "expired", "error", "garbage", "refused"} {
		m.redis.WithLabelValues(result)
	}
	for _, result := range []string{"ok", "error", "suppressed"} {
		m.mysql.WithLabelValues(result)
	}
	return m
}

// newMetrics registers the series and returns those of the one world of a deployment
// without a worlds file.
func newMetrics(reg prometheus.Registerer) *metrics { return newMetricVecs(reg).world("") }

// instrument records the latency of every request by its route template.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := "unmatched"
		if cur := mux.CurrentRoute(r); cur != nil {
			route, _ = cur.GetPathTemplate()
		}
		m.duration.WithLabelValues(route, strconv.Itoa(rec.code)).Observe(time.Since(start).Seconds())
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

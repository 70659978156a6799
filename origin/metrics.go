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

// metrics are the origin's Prometheus series.
type metrics struct {
	answers  *prometheus.CounterVec   // by source
	redis    *prometheus.CounterVec   // hit, miss, expired, error, garbage
	mysql    *prometheus.CounterVec   // ok, error, suppressed (inside the back-off window)
	duration *prometheus.HistogramVec // by route and code
	refused  *prometheus.CounterVec   // implausible snapshots, by reason
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusedge_origin_answers_total", Help: "Status answers by source (redis, database, last_known, none).",
		}, []string{"source"}),
		redis: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusedge_origin_redis_reads_total", Help: "Redis reads of server:status by result (hit, miss, expired: past fresh_until, error, garbage, refused: implausible).",
		}, []string{"result"}),
		mysql: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusedge_origin_mysql_fallbacks_total", Help: "MySQL fallback reads by result (ok, error, suppressed by the back-off).",
		}, []string{"result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "statusedge_origin_request_duration_seconds", Help: "Request latency by route and status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "code"}),
	}
	m.refused = telemetry.RefusedSnapshots()
	reg.MustRegister(m.answers, m.redis, m.mysql, m.duration, m.refused)
	// Every known value from the start: a series born on its first event reads as no
	// data to rate() and to alerts, and as a missing metric to the bench, where it is 0.
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

package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the snapshotter's Prometheus series.
type metrics struct {
	refreshes   *prometheus.CounterVec
	failures    *prometheus.CounterVec
	duration    prometheus.Histogram
	lastSuccess prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusedge_snapshotter_refreshes_total", Help: "Refresh attempts by result.",
		}, []string{"result"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusedge_snapshotter_refresh_failures_total", Help: "Failed refreshes by the stage that failed (mysql, redis, file, redis+file).",
		}, []string{"stage"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "statusedge_snapshotter_refresh_duration_seconds", Help: "Time one refresh took.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "statusedge_snapshotter_last_success_timestamp_seconds", Help: "updated_at of the last fully successful refresh (Unix time); alert when time() minus this exceeds the TTL.",
		}),
	}
	reg.MustRegister(m.refreshes, m.failures, m.duration, m.lastSuccess)
	return m
}

func (m *metrics) observe(stage string, err error, took time.Duration, updatedAt *time.Time) {
	m.duration.Observe(took.Seconds())
	if err != nil {
		m.refreshes.WithLabelValues("error").Inc()
		m.failures.WithLabelValues(stage).Inc()
		return
	}
	m.refreshes.WithLabelValues("ok").Inc()
	m.lastSuccess.Set(float64(updatedAt.Unix()))
}

package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"statusedge/internal/snapshot"
	"statusedge/internal/telemetry"
)

// metrics are the snapshotter's Prometheus series.
type metrics struct {
	refreshes   *prometheus.CounterVec
	failures    *prometheus.CounterVec
	duration    prometheus.Histogram
	lastSuccess prometheus.Gauge
	// Fleet: the role, the copy in STATUS_DIR, the pace.
	leader        prometheus.Gauge
	leaderChanges prometheus.Counter
	localUpdated  prometheus.Gauge
	localFresh    prometheus.Gauge
	nextDue       prometheus.Gauge
	synced        *prometheus.CounterVec
	refused       *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusedge_snapshotter_refreshes_total", Help: "Refresh attempts by result.",
		}, []string{"result"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusedge_snapshotter_refresh_failures_total", Help: "Failed refreshes by the stage that failed (mysql, redis, file, redis+file; fenced: a newer leader refused this one's write).",
		}, []string{"stage"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "statusedge_snapshotter_refresh_duration_seconds", Help: "Time one refresh took.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "statusedge_snapshotter_last_success_timestamp_seconds", Help: "updated_at of the last fully successful refresh (Unix time); alert when time() minus this exceeds the TTL.",
		}),
	}
	m.leader = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "statusedge_snapshotter_leader", Help: "1 while this replica holds the leader lease (reads MySQL), 0 while it follows; the fleet's sum should be 1.",
	})
	m.leaderChanges = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "statusedge_snapshotter_leadership_gained_total", Help: "Times this replica became the leader.",
	})
	m.localUpdated = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "statusedge_snapshotter_local_updated_timestamp_seconds", Help: "updated_at of the snapshot in this replica's STATUS_DIR (Unix time); time() minus this is the local copy's age.",
	})
	m.localFresh = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "statusedge_snapshotter_local_fresh_until_timestamp_seconds", Help: "fresh_until of the snapshot in this replica's STATUS_DIR (Unix time); past it nginx sends visitors to the origin.",
	})
	m.nextDue = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "statusedge_snapshotter_next_refresh_timestamp_seconds", Help: "When the fleet's next refresh is due (Unix time): last refresh plus the interval in force.",
	})
	m.synced = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statusedge_snapshotter_follower_copies_total", Help: "Snapshots copied from Redis into STATUS_DIR, by what brought them (message, check).",
	}, []string{"via"})
	m.refused = telemetry.RefusedSnapshots()
	reg.MustRegister(m.refused, m.refreshes, m.failures, m.duration, m.lastSuccess,
		m.leader, m.leaderChanges, m.localUpdated, m.localFresh, m.nextDue, m.synced)
	for _, reason := range []string{snapshot.RefusedFuture, snapshot.RefusedWindow} {
		m.refused.WithLabelValues(reason)
	}
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

// local records the snapshot now in STATUS_DIR.
func (m *metrics) local(s snapshot.Snapshot) {
	m.localUpdated.Set(float64(s.UpdatedAt.Unix()))
	m.localFresh.Set(float64(s.FreshUntil.Unix()))
}

// role records a change of role.
func (m *metrics) role(leader bool) {
	if leader {
		m.leader.Set(1)
		m.leaderChanges.Inc()
		return
	}
	m.leader.Set(0)
}

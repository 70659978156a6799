package replica

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"statusedge/internal/probe"
	"statusedge/internal/snapshot"
	"statusedge/internal/telemetry"
)

// MetricVecs are the snapshotter's Prometheus series. Those of one world carry a label
// `world`: the worlds file's id, or "" (no label, to PromQL) without a file, so that a
// deployment of one world keeps its series as they were. Worlds come from the file, so
// the label's values are bounded.
type MetricVecs struct {
	refreshes, failures, synced, refused  *prometheus.CounterVec
	duration                              *prometheus.HistogramVec
	lastSuccess, localUpdated, localFresh *prometheus.GaugeVec
	nextDue                               *prometheus.GaugeVec
	probeUp, probeLatency                 *prometheus.GaugeVec
	probeFlips, webhookFailures           *prometheus.CounterVec
	telegramFailures                      *prometheus.CounterVec
	leader                                prometheus.Gauge
	leaderChanges                         prometheus.Counter
	PlanRefused                           prometheus.Gauge // the maintenance file refused (telemetry.MaintenanceFileRefused)
	worldsMismatch                        prometheus.Gauge
}

// Series are one world's series (curried from MetricVecs), and the fleet's role.
type Series struct {
	refreshes   *prometheus.CounterVec
	failures    *prometheus.CounterVec
	duration    prometheus.Observer
	lastSuccess prometheus.Gauge
	// Fleet: the copy in STATUS_DIR, the pace (the role's series are MetricVecs.Role's).
	localUpdated prometheus.Gauge
	localFresh   prometheus.Gauge
	nextDue      prometheus.Gauge
	synced       *prometheus.CounterVec
	refused      *prometheus.CounterVec
}

// NewMetricVecs registers the snapshotter's series with reg.
func NewMetricVecs(reg prometheus.Registerer) *MetricVecs {
	w := []string{"world"}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, append(w, labels...))
	}
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, append(w, labels...))
	}
	v := &MetricVecs{
		refreshes: counter("statusedge_snapshotter_refreshes_total", "Refresh attempts by result.", "result"),
		failures:  counter("statusedge_snapshotter_refresh_failures_total", "Failed refreshes by the stage that failed (mysql, redis, file, redis+file; fenced: a newer leader refused this one's write).", "stage"),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "statusedge_snapshotter_refresh_duration_seconds", Help: "Time one refresh took.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, w),
		lastSuccess:      gauge("statusedge_snapshotter_last_success_timestamp_seconds", "updated_at of the last fully successful refresh (Unix time); alert when time() minus this exceeds the TTL."),
		localUpdated:     gauge("statusedge_snapshotter_local_updated_timestamp_seconds", "updated_at of the snapshot in this replica's STATUS_DIR (Unix time); time() minus this is the local copy's age."),
		localFresh:       gauge("statusedge_snapshotter_local_fresh_until_timestamp_seconds", "fresh_until of the snapshot in this replica's STATUS_DIR (Unix time); past it nginx sends visitors to the origin."),
		nextDue:          gauge("statusedge_snapshotter_next_refresh_timestamp_seconds", "When the fleet's next refresh is due (Unix time): last refresh plus the interval in force."),
		synced:           counter("statusedge_snapshotter_follower_copies_total", "Snapshots copied from Redis into STATUS_DIR, by what brought them (message, check; start: a new leader with nothing fresh on disk).", "via"),
		refused:          telemetry.RefusedSnapshots(w...),
		probeUp:          gauge("statusedge_probe_up", "1 when the target answered the last probe round, else 0.", "target"),
		probeLatency:     gauge("statusedge_probe_latency_seconds", "Time to the target's answer in the last round (to the failure when it failed).", "target"),
		probeFlips:       counter("statusedge_probe_flips_total", "Online/offline flips of the probe's verdict, by the new state.", "to"),
		webhookFailures:  counter("statusedge_webhook_failures_total", "Failed webhook attempts (each retry counts)."),
		telegramFailures: counter("statusedge_telegram_failures_total", "Failed Telegram sendMessage attempts (each retry counts)."),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "statusedge_snapshotter_leader", Help: "1 while this replica holds the leader lease (reads MySQL), 0 while it follows; the fleet's sum should be 1.",
		}),
		leaderChanges: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "statusedge_snapshotter_leadership_gained_total", Help: "Times this replica became the leader.",
		}),
		PlanRefused: telemetry.MaintenanceFileRefused(),
		worldsMismatch: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "statusedge_worlds_file_mismatch", Help: "1 while this replica's worlds file differs from the leader's (its fingerprint in the lease), else 0.",
		}),
	}
	reg.MustRegister(v.worldsMismatch, v.refused, v.refreshes, v.failures, v.duration, v.lastSuccess, v.leader, v.leaderChanges,
		v.localUpdated, v.localFresh, v.nextDue, v.synced, v.probeUp, v.probeLatency, v.probeFlips, v.webhookFailures, v.telegramFailures, v.PlanRefused)
	return v
}

// World is the series of one world, each known value present from the start (a series
// born on its first event reads as no data to rate() and to alerts).
func (v *MetricVecs) World(id string) *Series {
	l := prometheus.Labels{"world": id}
	m := &Series{
		refreshes: v.refreshes.MustCurryWith(l), failures: v.failures.MustCurryWith(l),
		duration: v.duration.WithLabelValues(id), lastSuccess: v.lastSuccess.WithLabelValues(id),
		localUpdated: v.localUpdated.WithLabelValues(id), localFresh: v.localFresh.WithLabelValues(id),
		nextDue: v.nextDue.WithLabelValues(id), synced: v.synced.MustCurryWith(l), refused: v.refused.MustCurryWith(l),
	}
	for _, reason := range []string{snapshot.RefusedFuture, snapshot.RefusedWindow} {
		m.refused.WithLabelValues(reason)
	}
	return m
}

// Probe is the probe's and the webhook's series of one world.
func (v *MetricVecs) Probe(id string) *ProbeSeries {
	l := prometheus.Labels{"world": id}
	return &ProbeSeries{
		up: v.probeUp.MustCurryWith(l), latency: v.probeLatency.MustCurryWith(l),
		flips: v.probeFlips.MustCurryWith(l), WebhookFailures: v.webhookFailures.WithLabelValues(id),
		TelegramFailures: v.telegramFailures.WithLabelValues(id),
	}
}

// Observe records a refresh (RefreshMetrics).
func (m *Series) Observe(stage string, err error, took time.Duration, updatedAt *time.Time) {
	m.duration.Observe(took.Seconds())
	if err != nil {
		m.refreshes.WithLabelValues("error").Inc()
		m.failures.WithLabelValues(stage).Inc()
		return
	}
	m.refreshes.WithLabelValues("ok").Inc()
	m.lastSuccess.Set(float64(updatedAt.Unix()))
}

// NextDue records when the fleet's next refresh is due (RefreshMetrics).
func (m *Series) NextDue(t time.Time) { m.nextDue.Set(float64(t.UnixMilli()) / 1000) }

// Synced counts a follower copy, by what brought it (RefreshMetrics).
func (m *Series) Synced(via string) { m.synced.WithLabelValues(via).Inc() }

// Local records the snapshot now in STATUS_DIR (Metrics).
func (m *Series) Local(s snapshot.Snapshot) {
	m.localUpdated.Set(float64(s.UpdatedAt.Unix()))
	m.localFresh.Set(float64(s.FreshUntil.Unix()))
}

// Refused counts a snapshot refused, by its reason (Metrics).
func (m *Series) Refused(reason string) { m.refused.WithLabelValues(reason).Inc() }

// Role records a change of role (leader.Role's OnChange).
func (v *MetricVecs) Role(leader bool) {
	if leader {
		v.leader.Set(1)
		v.leaderChanges.Inc()
		return
	}
	v.leader.Set(0)
}

// WorldsFile is told each change of the role's verdict on the worlds files (OnMismatch).
func (v *MetricVecs) WorldsFile(mismatch bool) {
	if mismatch {
		v.worldsMismatch.Set(1)
		return
	}
	v.worldsMismatch.Set(0)
}

// ProbeSeries are one world's probe and webhook series (MetricVecs.Probe).
type ProbeSeries struct {
	up               *prometheus.GaugeVec
	latency          *prometheus.GaugeVec
	flips            *prometheus.CounterVec
	WebhookFailures  prometheus.Counter // the webhook notifier's failed deliveries
	TelegramFailures prometheus.Counter // the Telegram notifier's
}

// Observe records a round (ProbeMetrics).
func (m *ProbeSeries) Observe(rep probe.Report) {
	for _, r := range rep.Results {
		up := 0.0
		if r.OK {
			up = 1
		}
		m.up.WithLabelValues(r.Addr).Set(up)
		m.latency.WithLabelValues(r.Addr).Set((time.Duration(r.LatencyMS) * time.Millisecond).Seconds())
	}
	if rep.Flipped {
		m.flips.WithLabelValues(rep.Verdict.String()).Inc()
	}
}

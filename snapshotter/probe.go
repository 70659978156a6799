package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"statusedge/internal/notify"
	"statusedge/internal/probe"
)

// watcher is the game-server probe and its webhook: one component with one Run, so that
// with several snapshotters it can run on the leader only. Every round is published at
// once from the last database read (no query); a flip is also posted to the webhook,
// which never holds up the next round or a publish (Notify only queues).
type watcher struct {
	loop     *probe.Loop
	notifier *notify.Notifier // nil without STATUS_WEBHOOK_URL
	r        *refresher
	log      *slog.Logger
	metrics  *probeMetrics
}

// Run probes until ctx ends; the webhook's delivery ends with it.
func (w *watcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if w.notifier != nil {
		wg.Go(func() { w.notifier.Run(ctx) })
	}
	w.loop.Run(ctx, func(rep probe.Report) { w.report(ctx, rep) })
	wg.Wait()
}

func (w *watcher) report(ctx context.Context, rep probe.Report) {
	w.metrics.observe(rep)
	w.r.observeProbe(rep)
	if rep.Flipped {
		w.log.Info("game server flipped", "online", rep.Verdict == probe.Online, "targets", rep.Results)
		if w.notifier != nil {
			w.notifier.Notify(notify.Event{Online: rep.Verdict == probe.Online, At: rep.At, Targets: rep.Results})
		}
	}
	// The publish in progress at shutdown finishes within its own deadlines.
	if err := w.r.Republish(context.WithoutCancel(ctx)); err != nil {
		w.log.Error("publish probe round", "err", err, "flipped", rep.Flipped)
	}
}

// probeMetrics are the probe's and the webhook's series, in the snapshotter's registry.
type probeMetrics struct {
	up              *prometheus.GaugeVec
	latency         *prometheus.GaugeVec
	flips           *prometheus.CounterVec
	webhookFailures prometheus.Counter
}

func newProbeMetrics(reg prometheus.Registerer) *probeMetrics {
	m := &probeMetrics{
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "statusedge_probe_up", Help: "1 when the target answered the last probe round, else 0.",
		}, []string{"target"}),
		latency: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "statusedge_probe_latency_seconds", Help: "Time to the target's answer in the last round (to the failure when it failed).",
		}, []string{"target"}),
		flips: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "statusedge_probe_flips_total", Help: "Online/offline flips of the probe's verdict, by the new state.",
		}, []string{"to"}),
		webhookFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "statusedge_webhook_failures_total", Help: "Failed webhook attempts (each retry counts).",
		}),
	}
	reg.MustRegister(m.up, m.latency, m.flips, m.webhookFailures)
	return m
}

func (m *probeMetrics) observe(rep probe.Report) {
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

// Package telemetry is what both programs log and export the same way: JSON log lines
// that name the program, and a Prometheus registry holding the Go runtime's and the
// process's collectors beside each program's own series.
package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
)

// Logger writes JSON lines to w, each with "program": program.
func Logger(w io.Writer, program string) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, nil)).With("program", program)
}

// Registry is a fresh registry (never the global one: tests run programs side by side)
// with the Go and process collectors.
func Registry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// RouteLibraryLogs sends what go-redis logs (a failed dial, a pool error) through logger
// as JSON at debug level, where it would otherwise print plain lines into the JSON log,
// several a second while Redis is down. The programs count and log those failures
// themselves, once where handled; these lines add the library's detail. go-redis keeps
// one process-wide logger (redis/go-redis#3558), set here once in run (an atomic store).
func RouteLibraryLogs(logger *slog.Logger) {
	redis.SetLogger(redisLog{logger.With("library", "go-redis")})
}

// MySQLLogger is the MySQL driver's logger for one pool (config.OpenDB): its lines (a
// read timeout, a bad packet) as JSON at debug level, like go-redis's.
func MySQLLogger(logger *slog.Logger) mysql.Logger {
	return mysqlLog{logger.With("library", "go-sql-driver/mysql")}
}

type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.DebugContext(ctx, strings.TrimSpace(fmt.Sprintf(format, v...)))
}

type mysqlLog struct{ l *slog.Logger }

func (m mysqlLog) Print(v ...any) { m.l.Debug(strings.TrimSpace(fmt.Sprint(v...))) }

// MaintenanceFileRefused is 1 while the maintenance file as it stands is refused (bad, or
// missing) and the program keeps the last good plan in force, else 0: the same series in
// both programs, as both reread the file.
func MaintenanceFileRefused() prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "statusedge_maintenance_file_refused",
		Help: "1 while STATUS_MAINTENANCE_FILE as it stands is refused (bad or missing) and the last good plan stays in force; the reason is in the log and /debug.",
	})
}

// RefusedSnapshots counts the snapshots a program refused as implausible
// (snapshot.Plausible), by reason: the same series in both programs, so one alert
// covers a forged value in Redis or a clock that ran ahead, wherever it was read.
// labels come before reason (the snapshotter's world).
func RefusedSnapshots(labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statusedge_snapshots_refused_total",
		Help: "Snapshots refused as implausible: future (dated further ahead of this clock than snapshot.MaxSkew) or window (fresh for longer than STATUS_CACHE_TTL).",
	}, append(labels, "reason"))
}

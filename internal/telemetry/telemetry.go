// Package telemetry is what both programs log and export the same way: JSON log lines
// that name the program, and a Prometheus registry holding the Go runtime's and the
// process's collectors beside each program's own series.
package telemetry

import (
	"io"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
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

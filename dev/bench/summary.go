package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// The rows of the one table issue 29 asks for, by the start of their names in the main
// run's report.
const (
	rowBare      = "1 ceiling"
	rowBareCache = "1c bare + open_file_cache"
	rowFile      = "2 statusedge public, file path"
	rowDegraded  = "3 public, degraded"
	rowOrigin    = "4 origin direct"

	rowDegradedBefore      = "3b degraded as before"
	rowDegradedNoFileCache = "3c degraded, micro-cache"
)

// printSummary prints the one table: each path's median req/s, p50 and p99, its req/s
// over the bare location's in the same round (median and range), and its p99 over the
// bare location's median p99; the file path over the bare location with open_file_cache
// too. world, when not nil, is the 50-world run's one-world row, with that run's own bare
// row (a separate stack: its ratio is to its own ceiling).
func printSummary(w io.Writer, rep report, world []row) {
	find := func(rows []row, prefix string) *row {
		i := slices.IndexFunc(rows, func(r row) bool { return strings.HasPrefix(r.Name, prefix) })
		if i < 0 {
			return nil
		}
		return &rows[i]
	}
	bare, bareCache := find(rep.Rows, rowBare), find(rep.Rows, rowBareCache)
	if bare == nil {
		return
	}
	fmt.Fprintf(w, "\nsummary (issue 29): medians of %d interleaved rounds; ÷ bare is the median of per-round ratios [range]\n", rep.Rounds)
	fmt.Fprintf(w, "%-40s %9s %8s %8s %18s %10s %18s\n", "path", "req/s", "p50 ms", "p99 ms", "÷ bare [range]", "p99÷bare", "÷ bare+ofc [range]")
	line := func(name string, r, ceil, ceil2 *row) {
		if r == nil || ceil == nil {
			return
		}
		v := perRound(r, ceil)
		if len(v) == 0 {
			return
		}
		m := r.Median
		extra := ""
		if ceil2 != nil {
			if v2 := perRound(r, ceil2); len(v2) > 0 {
				extra = fmt.Sprintf("%5.2f [%.2f-%.2f]", median(v2), slices.Min(v2), slices.Max(v2))
			}
		}
		fmt.Fprintf(w, "%-40s %9.0f %8.3f %8.3f %5.2f [%.2f-%.2f] %10.2f %18s\n", name, m.RPS, m.P50ms, m.P99ms,
			median(v), slices.Min(v), slices.Max(v), m.P99ms/ceil.Median.P99ms, extra)
	}
	line("bare location (the ceiling)", bare, bare, nil)
	line("bare + open_file_cache 1s", bareCache, bare, nil)
	line("file path", find(rep.Rows, rowFile), bare, bareCache)
	if world != nil {
		line("one world's file path, 50 worlds (own run)", find(world, "2 "), find(world, "1 "), nil)
	}
	line("degraded path (no fresh name, micro-cache)", find(rep.Rows, rowDegraded), bare, nil)
	line("  design before: key per second, no ofc", find(rep.Rows, rowDegradedBefore), bare, nil)
	line("  design: micro-cache without ofc", find(rep.Rows, rowDegradedNoFileCache), bare, nil)
	line("origin path (origin direct, Redis)", find(rep.Rows, rowOrigin), bare, nil)
	for _, name := range []string{rowDegraded, rowDegradedBefore, rowDegradedNoFileCache} {
		if d := find(rep.Rows, name); d != nil {
			fmt.Fprintf(w, "%s: %d origin requests over %d rounds of %d s (one a second: %d), %d non-2xx\n",
				d.Name, d.OriginRequests, rep.Rounds, rep.Duration, rep.Rounds*rep.Duration, d.Median.Non2xx)
		}
	}
	for name, ms := range rep.Flip {
		if strings.HasPrefix(name, "2 ") {
			fmt.Fprintf(w, "file path: flip %0.f ms (publish to first served, worst of %d), withdrawal %.0f ms (names gone to last served from disk, worst of %d)\n",
				ms, flipRounds, rep.Withdrawal, flipRounds)
		}
	}
}

// perRound is r's req/s over ceil's, round by round.
func perRound(r, ceil *row) []float64 {
	var v []float64
	for i, res := range r.Rounds {
		if i < len(ceil.Rounds) && ceil.Rounds[i].RPS > 0 {
			v = append(v, res.RPS/ceil.Rounds[i].RPS)
		}
	}
	return v
}

// readReport reads a report the main run wrote (-out).
func readReport(path string) (report, error) {
	var rep report
	b, err := os.ReadFile(path)
	if err != nil {
		return rep, err
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return rep, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}

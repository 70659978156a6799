package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what one wrk run measured.
type wrkResult struct {
	RPS      float64 `json:"requests_per_second"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	Requests int64   `json:"requests"`
	Non2xx   int64   `json:"non_2xx_3xx"`
	Errors   string  `json:"socket_errors,omitempty"`
}

var (
	reRPS    = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reP50    = regexp.MustCompile(`\s50%\s+([\d.]+)(us|ms|s)`)
	reP99    = regexp.MustCompile(`\s99%\s+([\d.]+)(us|ms|s)`)
	reTotal  = regexp.MustCompile(`(\d+) requests in`)
	reNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reErrors = regexp.MustCompile(`Socket errors: (.*)`)
)

// runWrk loads url for d with conns connections on threads threads.
func runWrk(ctx context.Context, url string, d time.Duration, conns, threads int) (wrkResult, error) {
	cmd := exec.CommandContext(ctx, "wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
		"-d", strconv.Itoa(int(d.Seconds()))+"s", "--timeout", "5s", "--latency", url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s: %w\n%s", url, err, out)
	}
	return parseWrk(string(out))
}

func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	m := reRPS.FindStringSubmatch(out)
	p50, p99 := reP50.FindStringSubmatch(out), reP99.FindStringSubmatch(out)
	total := reTotal.FindStringSubmatch(out)
	if m == nil || p50 == nil || p99 == nil || total == nil {
		return r, fmt.Errorf("unexpected wrk output:\n%s", out)
	}
	r.RPS, _ = strconv.ParseFloat(m[1], 64)
	r.P50ms, r.P99ms = millis(p50[1], p50[2]), millis(p99[1], p99[2])
	r.Requests, _ = strconv.ParseInt(total[1], 10, 64)
	if n := reNon2xx.FindStringSubmatch(out); n != nil {
		r.Non2xx, _ = strconv.ParseInt(n[1], 10, 64)
	}
	if e := reErrors.FindStringSubmatch(out); e != nil {
		r.Errors = strings.TrimSpace(e[1])
	}
	return r, nil
}

func millis(v, unit string) float64 {
	f, _ := strconv.ParseFloat(v, 64)
	switch unit {
	case "us":
		return f / 1000
	case "s":
		return f * 1000
	}
	return f
}

package main

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"statusedge/internal/harness/harnesstest"
)

func get(url string) (string, error) {
	_, b, _, err := harnesstest.Send(&http.Client{Timeout: 5 * time.Second}, http.MethodGet, url, nil)
	return string(b), err
}

func prometheusRegistry() *prometheus.Registry { return prometheus.NewRegistry() }

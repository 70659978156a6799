package main

import (
	"net/http"
	"time"

	"statusedge/internal/harness/harnesstest"
)

func get(url string) (string, error) {
	_, b, _, err := harnesstest.Send(&http.Client{Timeout: 5 * time.Second}, http.MethodGet, url, nil)
	return string(b), err
}

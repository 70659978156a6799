package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// cacheInfo is the `_cache` object the origin adds to a snapshot.
type cacheInfo struct {
	Source     string `json:"source"`
	AgeSeconds int64  `json:"age_seconds"`
	Stale      bool   `json:"stale"`
}

// handleStatus serves GET and HEAD /server/status.
func handleStatus(logger *slog.Logger, c *chain, now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := c.Status(r.Context())
		if errors.Is(err, errNoStatus) {
			c.metrics.answers.WithLabelValues("none").Inc()
			// Counted, and debug only: in an outage this is one line per visitor. The
			// chain has already logged the MySQL failure once per back-off window.
			logger.Debug("status unavailable", "err", err)
			w.Header().Set("Retry-After", "10")
			writeError(w, http.StatusServiceUnavailable, "status unavailable: no snapshot could be read, try again shortly")
			return
		}
		c.metrics.answers.WithLabelValues(a.source).Inc()
		t := now()
		info := cacheInfo{Source: a.source, AgeSeconds: a.snap.Age(t), Stale: a.source == sourceLastKnown || !a.snap.Fresh(t)}
		body, err := withCache(a.data, info)
		if err != nil {
			logger.Error("compose answer", "err", err)
			writeError(w, http.StatusInternalServerError, "internal error")
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		// The status is public: any site (the game's, a fan site) may fetch it.
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", a.etag)
		if info.Stale {
			h.Set("Cache-Control", "no-cache")
		} else {
			// Never promise freshness beyond fresh_until: nginx's shield may hand this
			// answer out for up to a second, so promise a second less; and never more than
			// the TTL, even for a snapshot stamped ahead of this clock.
			limit := c.ttl
			if c.maxAge > 0 {
				limit = min(limit, c.maxAge)
			}
			left := int64(min(a.snap.FreshUntil.Sub(t), limit)/time.Second) - 1
			h.Set("Cache-Control", "public, max-age="+strconv.FormatInt(max(0, left), 10))
		}
		h.Set("X-Status-Source", "origin")
		// ServeContent answers If-None-Match and If-Modified-Since with 304 and HEAD
		// without a body, from the ETag and the modification time set here.
		http.ServeContent(w, r, "", a.snap.UpdatedAt, bytes.NewReader(body))
	}
}

// withCache splices `_cache` into the snapshot's JSON object, leaving the snapshot bytes
// (and so their ETag) untouched.
func withCache(snapshot []byte, info cacheInfo) ([]byte, error) {
	s := bytes.TrimSpace(snapshot)
	if len(s) < 2 || s[len(s)-1] != '}' {
		return nil, errors.New("snapshot is not a JSON object")
	}
	extra, err := json.Marshal(info)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(s)+len(extra)+12)
	out = append(out, s[:len(s)-1]...)
	out = append(out, `,"_cache":`...)
	out = append(out, extra...)
	return append(out, '}'), nil
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": msg, "status": code})
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

// handleStatus serves GET and HEAD /server/status.
func handleStatus(logger *slog.Logger, c *chain, now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := c.Status(r.Context())
		if errors.Is(err, errNoStatus) {
			c.metrics.answers.WithLabelValues("none").Inc()
			// Counted, and debug only: in an outage this is one line per visitor. The
			// chain has already logged the MySQL failure once per back-off window.
			logger.Debug("status unavailable", "err", err)
			w.Header().Set("Retry-After", nginx.UnavailableRetryAfter)
			writeError(w, http.StatusServiceUnavailable, nginx.UnavailableMessage)
			return
		}
		c.metrics.answers.WithLabelValues(a.source).Inc()
		t := now()
		info := snapshot.CacheInfo{Source: a.source, AgeSeconds: a.snap.Age(t), Stale: a.source == sourceLastKnown || !a.snap.Fresh(t)}
		body, err := snapshot.WithCache(a.data, info)
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
		h.Set("Access-Control-Expose-Headers", "X-Status-Source")
		// The validators cover what the body says of the snapshot, not only its bytes: a
		// 304 must never let a client keep a "stale": false copy once the answer is stale.
		etag, modified := a.etag, a.snap.UpdatedAt
		if info.Stale {
			etag, modified = strings.TrimSuffix(a.etag, `"`)+`-stale"`, time.Time{} // no Last-Modified: If-Modified-Since cannot tell the two apart
			h.Set("Cache-Control", "no-cache")
		} else {
			// Never promise freshness beyond fresh_until, less what nginx's shield may
			// keep this answer; never more than the TTL, even for a snapshot stamped ahead
			// of this clock; at most one probe round.
			left := nginx.OriginMaxAge(a.snap.FreshUntil.Sub(t), c.ttl, c.maxAge)
			h.Set("Cache-Control", "public, max-age="+strconv.FormatInt(int64(left/time.Second), 10))
			// nginx holds an answer a few seconds (nginx.OriginHold): near fresh_until it
			// must not hold a copy that says "stale": false.
			if !nginx.OriginKeep(a.snap.FreshUntil.Sub(t)) {
				h.Set(nginx.OriginNoKeep, nginx.OriginNoKeepValue)
			}
		}
		h.Set("ETag", etag)
		h.Set("X-Status-Source", "origin")
		// ServeContent answers If-None-Match and If-Modified-Since with 304 and HEAD
		// without a body, from the ETag and the modification time set here. Ranges are
		// not served: the body changes with the age and staleness from one request to the
		// next, so two ranges could splice two answers into one that was never sent.
		if r.Header.Get("Range") != "" || r.Header.Get("If-Range") != "" {
			r = r.Clone(r.Context()) // a handler must not change the request it was given
			r.Header.Del("Range")
			r.Header.Del("If-Range")
		}
		http.ServeContent(noRanges{w}, r, "", modified, bytes.NewReader(body))
	}
}

// noRanges says "Accept-Ranges: none" where http.ServeContent, which always sets it
// before writing the header, says "bytes".
type noRanges struct{ http.ResponseWriter }

func (w noRanges) WriteHeader(code int) {
	w.Header().Set("Accept-Ranges", "none")
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w noRanges) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": msg, "status": code})
}

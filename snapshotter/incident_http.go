package main

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"statusedge/internal/history"
)

// incidentNoteHandler serves POST /incidents/notes on the snapshotter's internal health
// address: JSON {"world": "", "id": "ongoing", "title": {"en", "ru"}, "message": {"en",
// "ru"}} (id defaults to ongoing; title or message or both) answers 200 with the incident
// as JSON, or 400, 404 or 413 with {"error": "..."}.
func incidentNoteHandler(logger *slog.Logger, stores map[string]*history.Store, now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, history.MaxNoteBody))
		// An unknown key is most likely a misspelt one ("titel"): refused, not dropped.
		dec.DisallowUnknownFields()
		var q history.NoteRequest
		err := dec.Decode(&q)
		if err == nil && dec.Decode(&struct{}{}) != io.EOF {
			err = errors.New("want one JSON object, found more after it")
		}
		if err != nil {
			status := http.StatusBadRequest
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				status = http.StatusRequestEntityTooLarge
			}
			writeNoteJSON(logger, w, status, map[string]string{"error": "read note: " + err.Error()})
			return
		}
		if q.ID == "" {
			q.ID = "ongoing"
		}
		inc, err := history.AddOperatorNote(r.Context(), stores, now(), q)
		if ne, ok := errors.AsType[*history.NoteError](err); ok {
			writeNoteJSON(logger, w, refusalStatus(ne.Why), map[string]string{"error": ne.Error()})
			return
		}
		if err != nil {
			logger.Error("incident note", "world", q.World, "id", q.ID, "err", err)
			writeNoteJSON(logger, w, http.StatusInternalServerError, map[string]string{"error": "incident note: " + err.Error()})
			return
		}
		logger.Info("incident note", "world", q.World, "id", inc.ID, "title", q.Title != nil, "message", q.Message != nil)
		writeNoteJSON(logger, w, http.StatusOK, inc)
	}
}

// refusalStatus is the HTTP status that answers a refusal of a note.
func refusalStatus(why history.Refusal) int {
	switch why {
	case history.NotFound:
		return http.StatusNotFound
	case history.Full:
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

// operatorOnly lets through only a tool on this host: a loopback caller (403 otherwise),
// naming this host (Host localhost, 127.x or [::1], any port; 403 otherwise: a
// DNS-rebinding name points a visitor's browser here), sent by no web page (403 for any
// Origin, or Sec-Fetch-Site cross-site or same-site: a page open in an operator's browser
// can post to loopback), with a JSON body (415 otherwise: a page can send text/plain
// without asking first, never application/json).
func operatorOnly(logger *slog.Logger, next http.HandlerFunc) http.HandlerFunc {
	refuse := func(w http.ResponseWriter, status int, msg string) {
		writeNoteJSON(logger, w, status, map[string]string{"error": msg})
	}
	return func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			refuse(w, http.StatusForbidden, "from this host only (loopback); or use `snapshotter incident note`")
			return
		}
		if !loopbackName(r.Host) {
			refuse(w, http.StatusForbidden, "Host must name this host (localhost, 127.0.0.1 or [::1])")
			return
		}
		if site := r.Header.Get("Sec-Fetch-Site"); r.Header.Get("Origin") != "" || site == "cross-site" || site == "same-site" {
			refuse(w, http.StatusForbidden, "not from a web page: a request with Origin or Sec-Fetch-Site is refused; use curl or `snapshotter incident note`")
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			refuse(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
			return
		}
		next(w, r)
	}
}

// loopbackName says whether a Host header names this host: localhost or a loopback
// address, with or without a port.
func loopbackName(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func writeNoteJSON(logger *slog.Logger, w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(body); err != nil {
		logger.Debug("write response", "err", err)
	}
}

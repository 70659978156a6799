package main

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"statusedge/internal/history"
)

// incidentNoteHandler serves POST /incidents/notes on the snapshotter's internal health
// address: JSON {"world": "", "id": "ongoing", "title": {"en", "ru"}, "message": {"en",
// "ru"}} (id defaults to ongoing; title or message or both) answers 200 with the incident
// as JSON, or 400, 404 or 413 with {"error": "..."}.
func incidentNoteHandler(logger *slog.Logger, stores map[string]*history.Store, now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxNoteBody))
		// An unknown key is most likely a misspelt one ("titel"): refused, not dropped.
		dec.DisallowUnknownFields()
		var q noteRequest
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
		inc, err := addIncidentNote(r.Context(), stores, now(), q)
		if ie, ok := errors.AsType[*incidentError](err); ok {
			writeNoteJSON(logger, w, ie.status, map[string]string{"error": ie.msg})
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

func writeNoteJSON(logger *slog.Logger, w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(body); err != nil {
		logger.Debug("write response", "err", err)
	}
}

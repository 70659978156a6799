package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
)

// CacheInfo is the `_cache` object an answer built from a snapshot carries (spec: the
// origin's GET /server/status).
type CacheInfo struct {
	Source     string `json:"source"`
	AgeSeconds int64  `json:"age_seconds"`
	Stale      bool   `json:"stale"`
}

// WithCache splices a `_cache` object into the snapshot's JSON object, leaving the
// snapshot bytes (and so their ETag) untouched.
func WithCache(snapshot []byte, info any) ([]byte, error) {
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

// MarkStale is an encoded snapshot with `"_cache": {"source": "file", "stale": true}`:
// last.json, which nginx serves only once the snapshot is no longer fresh (or the origin
// is down), so a reader need not trust its own clock to know it is stale.
func MarkStale(data []byte) []byte {
	out, err := WithCache(data, struct {
		Source string `json:"source"`
		Stale  bool   `json:"stale"`
	}{"file", true})
	if err != nil {
		return data // Publish only gets what Encode made, which is an object
	}
	return out
}

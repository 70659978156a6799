// Package snapshot holds the public status: how it is built from the `constants` rows,
// its JSON form (the same bytes in Redis and in status.json), and where it is stored.
package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"statusedge/internal/maintenance"
)

// Row is one row of the `constants` table. Value and Description may be NULL.
type Row struct {
	Name        string
	Value       *string
	Description *string
}

// Rates are the game's multipliers.
type Rates struct {
	Exp      float64 `json:"exp"`
	PvP      float64 `json:"pvp"`
	PvE      float64 `json:"pve"`
	ColorMob float64 `json:"color_mob"`
	Skill    float64 `json:"skill"`
}

// Snapshot is the public status at one moment.
type Snapshot struct {
	ServerStatus float64   `json:"server_status"`
	Rates        Rates     `json:"rates"`
	ClientStatus float64   `json:"client_status"`
	UpdatedAt    time.Time `json:"updated_at"`
	FreshUntil   time.Time `json:"fresh_until"`
	// Online is the game-server probe's verdict; without a probe, or before its first
	// verdict, ServerStatus != 0.
	Online bool `json:"online"`
	// Players is the count STATUS_PLAYERS_QUERY read with the constants; nil (null) when
	// no query is configured or it failed.
	Players *int64 `json:"players"`
	// PlayersAt is when Players was read; absent without a count. PlayersReason says why
	// Players is null although a query is configured (ReasonOffline, ReasonCountFailed);
	// absent otherwise (issue 30).
	PlayersAt     *time.Time `json:"players_at,omitempty"`
	PlayersReason string     `json:"players_reason,omitempty"`
	// CheckedAt is when the probe last ran; UpdatedAt without a probe or before its first round.
	CheckedAt time.Time `json:"checked_at"`
	// Seq orders the publishes: the Unix milliseconds of the publish, raised past the
	// previous one's where the clock has not moved on, so each publish has a bigger seq
	// than the one before it, across leaders too. A copy is replaced only by a bigger
	// seq; 0 in a snapshot written before seq existed.
	Seq int64 `json:"seq"`
	// Probe is the last round, one entry per target in the order configured; empty
	// without a probe. Addresses and errors stay out of it (ProbeRound has them).
	Probe []ProbeTarget `json:"probe"`
	// Status is what a reader shows: "maintenance" while a planned window is active,
	// else "online" or "offline" as Online says (Online still tells what the probe sees).
	// The word is worldstate's to decide (worldstate.Published at a publish,
	// worldstate.Read at a read): Build and WithProbe leave it alone, Parse keeps the
	// stored one.
	Status string `json:"status"`
	// Maintenance is the window active at the publish; NextMaintenance the next one
	// starting within maintenance.Announce. Null outside one, and without any.
	Maintenance     *maintenance.Window `json:"maintenance"`
	NextMaintenance *maintenance.Window `json:"next_maintenance"`
	Meta            map[string]string   `json:"_meta"`
}

// The values of Snapshot.Status: the document's vocabulary (worldstate chooses among them).
const (
	StatusOnline      = "online"
	StatusOffline     = "offline"
	StatusMaintenance = "maintenance"
)

// Why a count of players is not presented (Snapshot.PlayersReason).
const (
	ReasonOffline     = "offline"
	ReasonCountFailed = "count failed"
	ReasonStale       = "stale"
	ReasonUncounted   = "not counted yet"
)

// Count is the players query's last read: the count, or the error that took its place.
// Unread is a count that exists but is not known here: a copy that said offline (a new
// leader's first publishes start from it, before its own first count).
type Count struct {
	N      int64
	At     time.Time
	Err    string
	Unread bool
}

// WithCount returns s with the count c (nil: no query configured), presented only when
// it says something true now: with the game server offline the count is not one of
// players online (characters.online is not reset by a crash), so it is null with the
// reason. Call it after the probe's round is applied (Online final).
func (s Snapshot) WithCount(c *Count) Snapshot {
	s.Players, s.PlayersAt, s.PlayersReason = nil, nil, ""
	switch {
	case c == nil:
	case c.Err != "":
		s.PlayersReason = ReasonCountFailed
	case !s.Online:
		s.PlayersReason = ReasonOffline
	case c.Unread:
		s.PlayersReason = ReasonUncounted
	default:
		n, at := c.N, c.At.UTC().Truncate(time.Second)
		s.Players, s.PlayersAt = &n, &at
	}
	return s
}

// CountOf is the count s carries, as WithCount takes it; nil when it carries none (and
// no reason: no query, or a snapshot written before counts had times).
func (s Snapshot) CountOf() *Count {
	switch {
	case s.Players != nil:
		at := s.UpdatedAt
		if s.PlayersAt != nil {
			at = *s.PlayersAt
		}
		return &Count{N: *s.Players, At: at}
	case s.PlayersReason == ReasonCountFailed:
		return &Count{Err: ReasonCountFailed}
	case s.PlayersReason != "":
		return &Count{Unread: true}
	}
	return nil
}

// Fallback says that a known constant took its default, and why.
type Fallback struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// constantFields lists the constants read, each with the default of the original design
// and the field of s it fills.
// A rate is a multiplier: rate says so, and a negative one takes its default.
func constantFields(s *Snapshot) []struct {
	name string
	def  float64
	dst  *float64
	rate bool
} {
	return []struct {
		name string
		def  float64
		dst  *float64
		rate bool
	}{
		{"ServerStatus", 1, &s.ServerStatus, false},
		{"RateExp", 1, &s.Rates.Exp, true},
		{"RatePvp", 1, &s.Rates.PvP, true},
		{"RatePve", 1, &s.Rates.PvE, true},
		{"RateColorMob", 1, &s.Rates.ColorMob, true},
		{"RateSkill", 1, &s.Rates.Skill, true},
		{"CLIENT_STATUS", 256, &s.ClientStatus, false},
	}
}

// Build makes the snapshot from rows read at now. A missing, NULL or non-numeric value
// never fails the build: the constant takes its default and is listed in the fallbacks.
// Its Seq is now in milliseconds; a publisher that must order its publishes raises it.
func Build(rows []Row, now time.Time, ttl time.Duration) (Snapshot, []Fallback) {
	seq := now.UnixMilli()
	now = now.UTC().Truncate(time.Second)
	s := Snapshot{UpdatedAt: now, FreshUntil: now.Add(ttl), CheckedAt: now, Seq: seq, Probe: []ProbeTarget{}, Meta: make(map[string]string, len(rows))}
	byName := make(map[string]Row, len(rows))
	for _, r := range rows {
		byName[r.Name] = r
		desc := ""
		if r.Description != nil {
			desc = *r.Description
		}
		s.Meta[r.Name] = desc
	}
	var fallbacks []Fallback
	for _, k := range constantFields(&s) {
		*k.dst = k.def
		r, ok := byName[k.name]
		switch {
		case !ok:
			fallbacks = append(fallbacks, Fallback{k.name, "missing"})
		case r.Value == nil:
			fallbacks = append(fallbacks, Fallback{k.name, "NULL"})
		default:
			v, err := parseNumber(*r.Value)
			if err != nil {
				fallbacks = append(fallbacks, Fallback{k.name, err.Error()})
				continue
			}
			if k.rate && v < 0 {
				fallbacks = append(fallbacks, Fallback{k.name, fmt.Sprintf("a negative rate: %s", strconv.FormatFloat(v, 'g', -1, 64))})
				continue
			}
			*k.dst = v
		}
	}
	s.Online = s.ServerStatus != 0
	return s, fallbacks
}

// parseNumber reads a decimal number, as a DOUBLE or DECIMAL column prints one. What
// ParseFloat accepts beyond that is refused: hexadecimal ("0x1p4" would read as 16), and
// NaN and ±Inf, which have no JSON form.
func parseNumber(s string) (float64, error) {
	t := strings.TrimSpace(s)
	decimal := t != "" && strings.Trim(t, "0123456789+-.eE") == ""
	v, err := strconv.ParseFloat(t, 64)
	if !decimal || err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		const max = 40
		if len(s) > max {
			s = s[:max] + "…"
		}
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return v, nil
}

// Encode is the JSON form: the exact bytes stored in Redis and in status.json.
func (s Snapshot) Encode() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Descriptions are shown on a web page; keep them readable in the file.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		// Build never produces a value that fails to encode (no NaN or Inf).
		panic(fmt.Sprintf("encode snapshot: %v", err))
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// Parse reads bytes that claim to be a snapshot and rejects anything of the wrong shape,
// so that garbage in Redis or on disk is never served as a status. Its Status is the
// stored one: worldstate.Read is the reader's parse, which derives it.
func Parse(data []byte) (Snapshot, error) {
	var raw struct {
		ServerStatus *float64            `json:"server_status"`
		Rates        *Rates              `json:"rates"`
		ClientStatus *float64            `json:"client_status"`
		UpdatedAt    time.Time           `json:"updated_at"`
		FreshUntil   time.Time           `json:"fresh_until"`
		Online       *bool               `json:"online"`
		Players      *int64              `json:"players"`
		PlayersAt    *time.Time          `json:"players_at"`
		Reason       string              `json:"players_reason"`
		CheckedAt    time.Time           `json:"checked_at"`
		Seq          int64               `json:"seq"`
		Probe        []ProbeTarget       `json:"probe"`
		Status       string              `json:"status"`
		Maintenance  *maintenance.Window `json:"maintenance"`
		Next         *maintenance.Window `json:"next_maintenance"`
		Meta         map[string]string   `json:"_meta"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return Snapshot{}, fmt.Errorf("parse snapshot: %w", err)
	}
	switch {
	case raw.ServerStatus == nil || raw.Rates == nil || raw.ClientStatus == nil:
		return Snapshot{}, errors.New("parse snapshot: server_status, rates or client_status missing")
	case raw.UpdatedAt.IsZero() || !raw.FreshUntil.After(raw.UpdatedAt):
		return Snapshot{}, errors.New("parse snapshot: updated_at or fresh_until missing or out of order")
	case raw.Seq < 0:
		return Snapshot{}, errors.New("parse snapshot: seq below 0")
	}
	s := Snapshot{
		ServerStatus: *raw.ServerStatus, Rates: *raw.Rates, ClientStatus: *raw.ClientStatus,
		UpdatedAt: raw.UpdatedAt, FreshUntil: raw.FreshUntil, Online: *raw.ServerStatus != 0,
		Players: raw.Players, PlayersAt: raw.PlayersAt, PlayersReason: raw.Reason, CheckedAt: raw.CheckedAt, Seq: raw.Seq, Probe: raw.Probe, Meta: raw.Meta,
		Status: raw.Status, Maintenance: raw.Maintenance, NextMaintenance: raw.Next,
	}
	// A snapshot written before these fields existed reads as one without a probe.
	if raw.Online != nil {
		s.Online = *raw.Online
	}
	if s.CheckedAt.IsZero() {
		s.CheckedAt = s.UpdatedAt
	}
	if s.Probe == nil {
		s.Probe = []ProbeTarget{}
	}
	// The stored status is kept as written: readers derive it from the fields through
	// worldstate.Read (a stored status that contradicts them is not believed).
	return s, nil
}

// Fresh reports whether the snapshot may still be presented as current at now.
func (s Snapshot) Fresh(now time.Time) bool { return now.Before(s.FreshUntil) }

// Age is how old the snapshot is at now, in whole seconds, never negative.
func (s Snapshot) Age(now time.Time) int64 {
	return max(0, int64(now.Sub(s.UpdatedAt)/time.Second))
}

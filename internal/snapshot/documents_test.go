package snapshot_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"statusedge/internal/harness/edgetest"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
	"statusedge/nginx"
)

// TestBadgeFollowsTheSnapshot: the served badge says online or offline exactly while the
// snapshot is fresh, follows a flip republished without extending freshness, and past
// it the badge's stale copy answers; badge names are pruned with the snapshot's.
func TestBadgeFollowsTheSnapshot(t *testing.T) {
	dir := t.TempDir()
	start := time.Unix(1764400987, 0)
	now := start
	p := snapshot.NewPublisher(dir, 10*time.Second, func() time.Time { return now }, func(d time.Duration) { now = now.Add(d) })
	built, _ := snapshot.Build(nil, start, 90*time.Second)
	s := worldstate.Published(built, nil, nil)
	if err := p.Publish(s.Encode(), s); err != nil {
		t.Fatal(err)
	}
	badgeAt := func(at time.Time) string {
		t.Helper()
		b, ok, err := edgetest.Served(dir, nginx.BadgeDoc, at)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			if b, err = os.ReadFile(filepath.Join(nginx.DocDir(dir, nginx.BadgeDoc), nginx.StaleName)); err != nil {
				t.Fatal(err)
			}
		}
		var m struct{ Message string }
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("badge %q: %v", b, err)
		}
		return m.Message
	}
	if got := badgeAt(start); got != "online" {
		t.Errorf("fresh: %q, want online", got)
	}
	if b, err := os.ReadFile(filepath.Join(dir, snapshot.BadgeFileName)); err != nil || !bytes.Equal(b, s.Badge()) {
		t.Errorf("badge.json = %q, %v", b, err)
	}

	now = start.Add(10 * time.Second)
	off := worldstate.Published(s.WithProbe(snapshot.ProbeRound{At: now, Online: new(false), Targets: []snapshot.ProbeResult{{Addr: "127.0.0.1:7777", Error: "connection refused"}}}), nil, nil)
	if err := p.Publish(off.Encode(), off); err != nil {
		t.Fatal(err)
	}
	if got := badgeAt(now); got != "offline" {
		t.Errorf("after the flip: %q, want offline", got)
	}
	if got := badgeAt(s.FreshUntil.Add(-time.Second)); got != "offline" {
		t.Errorf("last fresh second: %q, want offline", got)
	}
	if got := badgeAt(s.FreshUntil); got != "stale" {
		t.Errorf("past fresh_until: %q, want stale (a flip never extends freshness)", got)
	}

	now = start.Add(500 * time.Second)
	next, _ := snapshot.Build(nil, now, 90*time.Second)
	if err := p.Publish(next.Encode(), next); err != nil {
		t.Fatal(err)
	}
	badges, err := edgetest.ServedNames(dir, nginx.BadgeDoc)
	if err != nil {
		t.Fatal(err)
	}
	status, err := edgetest.ServedNames(dir, nginx.StatusDoc)
	if err != nil {
		t.Fatal(err)
	}
	if len(badges) != len(status) || len(status) == 0 {
		t.Errorf("%d badge names beside %d snapshot names: want one per block", len(badges), len(status))
	}
}

func TestLastJSONSaysStale(t *testing.T) {
	dir := t.TempDir()
	at := time.Unix(1764400000, 0)
	s, _ := snapshot.Build(nil, at, time.Minute)
	if err := snapshot.NewPublisher(dir, 10*time.Second, func() time.Time { return at }, func(d time.Duration) { at = at.Add(d) }).Publish(s.Encode(), s); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(nginx.DocDir(dir, nginx.StatusDoc), nginx.LastName))
	if err != nil {
		t.Fatal(err)
	}
	var last struct {
		UpdatedAt time.Time `json:"updated_at"`
		Cache     struct {
			Source string `json:"source"`
			Stale  bool   `json:"stale"`
		} `json:"_cache"`
	}
	if err := json.Unmarshal(b, &last); err != nil || !last.Cache.Stale || last.Cache.Source != "file" || !last.UpdatedAt.Equal(s.UpdatedAt) {
		t.Errorf("last.json = %s (%v)", b, err)
	}
}

// TestRecoverLinksWhatStatusJSONSays: at start the names serve exactly status.json's
// snapshot; with status.json unreadable, none (nginx asks the origin), and the problem is
// reported.
func TestRecoverLinksWhatStatusJSONSays(t *testing.T) {
	dir := t.TempDir()
	now := time.Unix(1764400987, 0)
	p := snapshot.NewPublisher(dir, 10*time.Second, func() time.Time { return now }, func(d time.Duration) { now = now.Add(d) })
	old, _ := snapshot.Build(nil, now, 900*time.Second)
	if err := p.Publish(old.Encode(), old); err != nil {
		t.Fatal(err)
	}
	now = now.Add(300 * time.Second)
	fresh, _ := snapshot.Build(nil, now, 900*time.Second)
	if err := snapshot.WriteFile(dir, fresh.Encode()); err != nil { // a crash right after status.json
		t.Fatal(err)
	}
	if err := p.Recover(now, 900*time.Second, worldstate.Read); err != nil {
		t.Fatal(err)
	}
	for sec := now.Unix(); sec < fresh.FreshUntil.Unix(); sec++ {
		if got, _, err := edgetest.Served(dir, nginx.StatusDoc, time.Unix(sec, 0)); err != nil || !bytes.Equal(got, fresh.Encode()) {
			t.Fatalf("after recovery, second %+d: served %q (%v), want status.json's", sec-now.Unix(), got, err)
		}
	}

	if err := os.WriteFile(filepath.Join(dir, snapshot.FileName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Recover(now, 900*time.Second, worldstate.Read); err == nil {
		t.Error("recovering from an empty status.json reported no problem")
	}
	for _, doc := range []string{nginx.StatusDoc, nginx.BadgeDoc} {
		if names, err := edgetest.ServedNames(dir, doc); err != nil || len(names) != 0 {
			t.Errorf("%s: names served after recovering from an empty status.json: %v %v", doc, names, err)
		}
	}
}

// A status.json dated ahead of the clock (forged, or written by a clock that ran ahead) is
// not linked again at start: it is moved aside, and neither its names nor its last copy
// stay for nginx to serve.
func TestRecoverRefusesAFutureStatusJSON(t *testing.T) {
	dir := t.TempDir()
	now := time.Unix(1764400987, 0)
	p := snapshot.NewPublisher(dir, 10*time.Second, func() time.Time { return now }, func(d time.Duration) { now = now.Add(d) })
	real, _ := snapshot.Build(nil, now, 900*time.Second)
	if err := p.Publish(real.Encode(), real); err != nil {
		t.Fatal(err)
	}
	forged, _ := snapshot.Build(nil, now.Add(time.Hour), 900*time.Second)
	forged.Rates.Exp = 999
	if err := p.Publish(forged.Encode(), forged); err != nil {
		t.Fatal(err)
	}

	err := p.Recover(now, 900*time.Second, worldstate.Read)
	var refused *snapshot.Implausible
	if !errors.As(err, &refused) || refused.Reason != snapshot.RefusedFuture {
		t.Fatalf("Recover of a status.json an hour ahead: %v, want a refusal for the future", err)
	}
	if _, err := os.Stat(filepath.Join(dir, snapshot.FileName+snapshot.RefusedSuffix)); err != nil {
		t.Errorf("the refused status.json was not kept aside: %v", err)
	}
	if _, _, err := snapshot.ReadFile(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("status.json still in place after its refusal: %v", err)
	}
	for _, doc := range []string{nginx.StatusDoc, nginx.BadgeDoc} {
		if names, err := edgetest.ServedNames(dir, doc); err != nil || len(names) != 0 {
			t.Errorf("%s: names left after the refusal: %v %v", doc, names, err)
		}
		if _, err := os.Stat(filepath.Join(nginx.DocDir(dir, doc), nginx.LastName)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: last copy of the forged snapshot left for nginx: %v", doc, err)
		}
	}
}

// TestRecoverBadgeSaysTheFields: at start the badge is linked anew from status.json with
// the word its fields say (the reader's parse), never a stored word that contradicts them.
func TestRecoverBadgeSaysTheFields(t *testing.T) {
	dir := t.TempDir()
	now := time.Unix(1764400987, 0)
	p := snapshot.NewPublisher(dir, 10*time.Second, func() time.Time { return now }, func(d time.Duration) { now = now.Add(d) })
	built, _ := snapshot.Build(nil, now, 900*time.Second)
	built.Online = false
	offline := worldstate.Published(built, nil, nil).Encode()
	lying := bytes.Replace(offline, []byte(`"status":"offline"`), []byte(`"status":"online"`), 1)
	if bytes.Equal(lying, offline) {
		t.Fatalf("the test's edit did not apply to %s", offline)
	}
	if err := snapshot.WriteFile(dir, lying); err != nil {
		t.Fatal(err)
	}
	if err := p.Recover(now, 900*time.Second, worldstate.Read); err != nil {
		t.Fatal(err)
	}
	b, ok, err := edgetest.Served(dir, nginx.BadgeDoc, now)
	if err != nil || !ok {
		t.Fatalf("no badge served after recovery (%v)", err)
	}
	var badge struct{ Message string }
	if err := json.Unmarshal(b, &badge); err != nil || badge.Message != snapshot.StatusOffline {
		t.Errorf("badge %s (%v), want offline: the fields' word", b, err)
	}
}

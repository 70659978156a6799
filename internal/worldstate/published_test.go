package worldstate

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"statusedge/internal/maintenance"
	"statusedge/internal/snapshot"
)

// TestPublishedWord: a published status says maintenance in a window whatever the probe
// sees, else online or offline as it says; the windows ride along.
func TestPublishedWord(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	w := &maintenance.Window{From: now.Add(-time.Minute), Until: now.Add(time.Hour), Message: maintenance.Text{EN: "Restart", RU: "Перезапуск"}}
	next := &maintenance.Window{From: now.Add(2 * time.Hour), Until: now.Add(3 * time.Hour)}
	for _, tt := range []struct {
		online bool
		active *maintenance.Window
		want   string
	}{
		{false, w, snapshot.StatusMaintenance},
		{true, w, snapshot.StatusMaintenance},
		{true, nil, snapshot.StatusOnline},
		{false, nil, snapshot.StatusOffline},
	} {
		t.Run(fmt.Sprintf("online %v, window %v", tt.online, tt.active != nil), func(t *testing.T) {
			s := Published(snapshot.Snapshot{Online: tt.online}, tt.active, next)
			if s.Status != tt.want || s.Maintenance != tt.active || s.NextMaintenance != next || s.Online != tt.online {
				t.Errorf("status %q, maintenance %v, next %v, online %v; want %q, %v, %v, %v",
					s.Status, s.Maintenance, s.NextMaintenance, s.Online, tt.want, tt.active, next, tt.online)
			}
		})
	}
}

// TestReadDerivesTheWord: a reader's status says what its own fields say, never a stored
// word that contradicts them, nor none (one written before the word existed).
func TestReadDerivesTheWord(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	built, _ := snapshot.Build([]snapshot.Row{{Name: "ServerStatus", Value: new("0")}}, now, 15*time.Minute)
	w := &maintenance.Window{From: now, Until: now.Add(time.Hour), Message: maintenance.Text{EN: "Restart", RU: "Перезапуск"}}
	back, err := Read(Published(built, w, nil).Encode())
	if err != nil || back.Status != snapshot.StatusMaintenance || back.Maintenance == nil || back.Maintenance.Message != w.Message {
		t.Errorf("Read(a window's status) = %q %+v, %v; want maintenance and the window back", back.Status, back.Maintenance, err)
	}
	offline := Published(built, nil, nil).Encode()
	for name, data := range map[string][]byte{
		"lying":   bytes.Replace(offline, []byte(`"status":"offline"`), []byte(`"status":"online"`), 1),
		"no word": bytes.Replace(offline, []byte(`"status":"offline",`), nil, 1),
	} {
		if bytes.Equal(data, offline) {
			t.Fatalf("%s: the test's edit did not apply to %s", name, offline)
		}
		if back, err := Read(data); err != nil || back.Status != snapshot.StatusOffline {
			t.Errorf("%s: Read = %q, %v; want offline", name, back.Status, err)
		}
	}
}

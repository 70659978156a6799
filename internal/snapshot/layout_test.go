package snapshot_test

import (
	"reflect"
	"strings"
	"testing"

	"statusedge/internal/snapshot"
)

// TestDefaultDeploymentKeepsTodaysKeys: without STATUS_DEPLOYMENT every key and channel is
// the one an existing deployment already holds its data under, spelled out here rather
// than derived, so that a change of the derivation cannot move them unseen.
func TestDefaultDeploymentKeepsTodaysKeys(t *testing.T) {
	d := snapshot.Deployment("")
	if got, want := d.Fleet(), (snapshot.FleetKeys{Leader: "{server:status}:leader", Fence: "{server:status}:fence"}); got != want {
		t.Errorf("fleet keys = %+v, want %+v", got, want)
	}
	legacy := d.Legacy()
	if !reflect.DeepEqual(legacy, snapshot.Legacy()) {
		t.Errorf("Deployment(\"\").Legacy() = %+v\nwant Legacy() = %+v", legacy, snapshot.Legacy())
	}
	for got, want := range map[string]string{
		legacy.Status: "server:status", legacy.LastRefresh: "server:status:last_refresh",
		legacy.ProbeRound: "server:status:probe", legacy.Webhook: "server:status:webhook", legacy.Telegram: "server:status:telegram",
		legacy.Fence: "{server:status}:fence", legacy.Channel: "server:status:published",
		legacy.Interval: "config:status_interval", legacy.DefaultInterval: "",
		legacy.History: "{server:status}:history:", legacy.IncidentNotes: "{server:status}:incidents",
		legacy.Maintenance: "{server:status}:maintenance",
	} {
		if got != want {
			t.Errorf("legacy key %q, want %q", got, want)
		}
	}
	w := d.World("x1")
	for got, want := range map[string]string{
		w.Status: "{world:x1}:status", w.LastRefresh: "{world:x1}:last_refresh", w.ProbeRound: "{world:x1}:probe",
		w.Webhook: "{world:x1}:webhook", w.Telegram: "{world:x1}:telegram", w.Fence: "{world:x1}:fence", w.Channel: "{world:x1}:published",
		w.Interval: "config:status_interval:x1", w.DefaultInterval: "config:status_interval",
		w.History: "{world:x1}:history:", w.IncidentNotes: "{world:x1}:incidents", w.Maintenance: "{world:x1}:maintenance",
	} {
		if got != want {
			t.Errorf("world key %q, want %q", got, want)
		}
	}
	if !reflect.DeepEqual(w, snapshot.WorldLayout("x1")) {
		t.Errorf("Deployment(\"\").World(x1) differs from WorldLayout(x1)")
	}
}

// TestNamedDeploymentOwnsEveryKey: a named deployment's every key and channel carries
// its name, inside the hash tag where the key has one (Cluster slots still line up), and
// shares no key with the default deployment; files and URLs stay as they are.
func TestNamedDeploymentOwnsEveryKey(t *testing.T) {
	d := snapshot.Deployment("prod")
	fleet := d.Fleet()
	if fleet.Leader != "{prod:server:status}:leader" || fleet.Fence != "{prod:server:status}:fence" {
		t.Errorf("fleet keys = %+v", fleet)
	}
	for _, tt := range []struct {
		named, base snapshot.Layout
		tag         string // the hash tag of the keys that have one
	}{
		{d.Legacy(), snapshot.Legacy(), "{prod:server:status}"},
		{d.World("x1"), snapshot.WorldLayout("x1"), "{prod:world:x1}"},
	} {
		l := tt.named
		if l.StatusDoc != tt.base.StatusDoc || l.StatusFile != tt.base.StatusFile || l.HistoryDoc != tt.base.HistoryDoc {
			t.Errorf("%s: documents moved: %+v", tt.tag, l)
		}
		keys := []string{l.Status, l.LastRefresh, l.ProbeRound, l.Webhook, l.Telegram, l.Fence, l.Channel, l.Interval, l.History, l.IncidentNotes, l.Maintenance}
		base := []string{tt.base.Status, tt.base.LastRefresh, tt.base.ProbeRound, tt.base.Webhook, tt.base.Telegram, tt.base.Fence, tt.base.Channel,
			tt.base.Interval, tt.base.History, tt.base.IncidentNotes, tt.base.Maintenance}
		for i, k := range keys {
			if !strings.HasPrefix(k, "prod:") && !strings.HasPrefix(k, "{prod:") {
				t.Errorf("%s: key %q does not carry the deployment", tt.tag, k)
			}
			if k == base[i] {
				t.Errorf("%s: key %q is the default deployment's", tt.tag, k)
			}
		}
		// The keys a script writes together share the tag.
		for _, k := range []string{l.Fence, l.History, l.IncidentNotes, l.Maintenance} {
			if !strings.HasPrefix(k, tt.tag+":") {
				t.Errorf("key %q is outside the hash tag %s", k, tt.tag)
			}
		}
	}
	if l := d.Legacy(); l.Status != "prod:server:status" || l.Channel != "prod:server:status:published" || l.Interval != "prod:config:status_interval" {
		t.Errorf("legacy status, channel, interval = %q, %q, %q", l.Status, l.Channel, l.Interval)
	}
	if w := d.World("x1"); w.Interval != "prod:config:status_interval:x1" || w.DefaultInterval != "prod:config:status_interval" {
		t.Errorf("world intervals = %q, %q", w.Interval, w.DefaultInterval)
	}
}

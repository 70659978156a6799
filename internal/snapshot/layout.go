package snapshot

import "statusedge/nginx"

// Layout is where one world's snapshot is kept: its Redis keys, its documents and their
// canonical copies in STATUS_DIR. A deployment without a worlds file has one world, kept
// where statusedge has always kept it (Legacy); each world of a worlds file has its own
// (WorldLayout), so that no world's key, file or URL is another's.
type Layout struct {
	// World is the world's id; "" for Legacy.
	World string
	// Redis keys: the snapshot, the last refresh's record, the probe's last round, the
	// webhook's state, the fence of the snapshot's writes, the channel its writes are
	// announced on, and the live interval. A world's keys share one hash tag, so that the
	// fenced write (status and fence in one script) runs on Redis Cluster.
	Status, LastRefresh, ProbeRound, Webhook, Fence, Channel, Interval string
	// DefaultInterval is the interval key read when Interval is unset: the global
	// config:status_interval for a world; "" for Legacy, whose Interval is that key.
	DefaultInterval string
	// The documents nginx serves, and their canonical copies in STATUS_DIR.
	StatusDoc, BadgeDoc   string
	StatusFile, BadgeFile string
}

// KeyFence is Legacy's fence, in server:status's hash slot (the hash tag is the key's own
// name, which hashes alike); internal/lease issues its tokens from it.
const KeyFence = "{" + KeyStatus + "}:fence"

// Legacy is the layout of a deployment without a worlds file: today's keys, files and URLs.
func Legacy() Layout {
	return Layout{
		Status: KeyStatus, LastRefresh: KeyLastRefresh, ProbeRound: KeyProbeRound, Webhook: KeyWebhook,
		Fence: KeyFence, Channel: Channel, Interval: KeyInterval,
		StatusDoc: nginx.StatusDoc, BadgeDoc: nginx.BadgeDoc, StatusFile: FileName, BadgeFile: BadgeFileName,
	}
}

// WorldsDoc is the index of every world (/api/worlds.json), and WorldsFile its copy.
const (
	WorldsDoc  = "api/worlds"
	WorldsFile = "worlds.json"
)

// WorldLayout is the layout of the world id (a worlds file's id: [a-z0-9-], so a valid
// key part, document segment and file name).
func WorldLayout(id string) Layout {
	tag := "{world:" + id + "}"
	return Layout{
		World:  id,
		Status: tag + ":status", LastRefresh: tag + ":last_refresh", ProbeRound: tag + ":probe",
		Webhook: tag + ":webhook", Fence: tag + ":fence", Channel: tag + ":published",
		Interval: KeyInterval + ":" + id, DefaultInterval: KeyInterval,
		StatusDoc: WorldsDoc + "/" + id + "/status", BadgeDoc: WorldsDoc + "/" + id + "/badge",
		StatusFile: "status-" + id + ".json", BadgeFile: "badge-" + id + ".json",
	}
}

// StatusURL is the public URL of the layout's status document.
func (l Layout) StatusURL() string { return "/" + l.StatusDoc + ".json" }

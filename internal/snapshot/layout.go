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
	// webhook's and the Telegram chat's states, the fence of the snapshot's writes, the channel its writes are
	// announced on, and the live interval. A world's keys share one hash tag, so that the
	// fenced write (status and fence in one script) runs on Redis Cluster.
	Status, LastRefresh, ProbeRound, Webhook, Telegram, Fence, Channel, Interval string
	// DefaultInterval is the interval key read when Interval is unset: the global
	// config:status_interval for a world; "" for Legacy, whose Interval is that key.
	DefaultInterval string
	// The documents nginx serves, and their canonical copies in STATUS_DIR.
	StatusDoc, BadgeDoc   string
	StatusFile, BadgeFile string
	// History: the minutes' day keys (a prefix: <History>YYYYMMDD), the incidents'
	// notes, and the command line's maintenance windows, all in the fence's hash slot; the
	// history document and the uptime badges (HistoryDoc's folder's siblings).
	History, IncidentNotes, Maintenance string
	HistoryDoc                          string
	UptimeDocs                          [3]string // 24 h, 7 d, 30 d

	// Flips lists the status's online/offline flips to the second, and WindowsSeen when
	// each file window was first published: in the fence's hash slot too (issue 28).
	Flips, WindowsSeen string

	// Players over time (issue 30): the day keys of the players samples and of the
	// answer-time rounds (prefixes: <Players>YYYYMMDD), the daily figures' hash, in the
	// fence's hash slot; the players document beside the history document.
	Players, Answer, Daily string
	PlayersDoc             string
}

// UptimeSpans are the uptime badges' spans, in the order of Layout.UptimeDocs.
func UptimeSpans() [3]string { return [3]string{"24h", "7d", "30d"} }

// withHistory fills the history's keys under tag (the fence's hash tag) and its
// documents beside the status document's folder (base: "api/server" or a world's).
func (l Layout) withHistory(tag, base string) Layout {
	l.History, l.IncidentNotes, l.Maintenance = tag+":history:", tag+":incidents", tag+":maintenance"
	l.Flips, l.WindowsSeen = tag+":flips", tag+":maintenance:published"
	l.HistoryDoc = base + "/" + nginx.HistoryName
	l.Players, l.Answer, l.Daily = tag+":players:", tag+":answer:", tag+":daily"
	l.PlayersDoc = base + "/" + nginx.PlayersName
	for i, span := range UptimeSpans() {
		l.UptimeDocs[i] = base + "/uptime-" + span
	}
	return l
}

// KeyFence is Legacy's fence, in server:status's hash slot (the hash tag is the key's own
// name, which hashes alike); internal/lease issues its tokens from it. KeyLeader is the
// lease beside it. Both are the default deployment's (Deployment.Fleet).
const (
	KeyFence  = "{" + KeyStatus + "}:fence"
	KeyLeader = "{" + KeyStatus + "}:leader"
)

// Deployment is a deployment's name (STATUS_DEPLOYMENT), the one owner of every Redis key
// and channel name: each carries it, inside its hash tag where it has one, so that two
// deployments on one Redis server (one db or several: pub/sub channels span every db, and
// a Cluster has db 0 only) never read, apply or overwrite each other's data. The empty
// name, the default, is today's names exactly, so an existing deployment keeps its data.
// config.Load checks the name ([a-z0-9-], see config.CheckDeployment).
type Deployment string

// key is name in d: "<d>:<name>", or name itself for the default deployment.
func (d Deployment) key(name string) string {
	if d == "" {
		return name
	}
	return string(d) + ":" + name
}

// tag is the hash tag of name in d: its keys share one Cluster slot.
func (d Deployment) tag(name string) string { return "{" + d.key(name) + "}" }

// FleetKeys are a deployment's fleet-wide keys, in Legacy's hash slot (the lease's
// scripts touch two at once): the leader lease (a hash {holder, token, worlds}, expiring
// with the lease) and the fence its tokens come from (never expires).
type FleetKeys struct{ Leader, Fence string }

// Fleet is the deployment's lease and fence.
func (d Deployment) Fleet() FleetKeys {
	tag := d.tag(KeyStatus)
	return FleetKeys{Leader: tag + ":leader", Fence: tag + ":fence"}
}

// Legacy is the layout of the deployment's one world without a worlds file.
func (d Deployment) Legacy() Layout {
	tag := d.tag(KeyStatus)
	return Layout{
		Status: d.key(KeyStatus), LastRefresh: d.key(KeyLastRefresh), ProbeRound: d.key(KeyProbeRound),
		Webhook: d.key(KeyWebhook), Telegram: d.key(KeyTelegram), Fence: d.Fleet().Fence, Channel: d.key(Channel), Interval: d.key(KeyInterval),
		StatusDoc: nginx.StatusDoc, BadgeDoc: nginx.BadgeDoc, StatusFile: FileName, BadgeFile: BadgeFileName,
	}.withHistory(tag, nginx.ServerDocs)
}

// World is the layout of the deployment's world id (a worlds file's id: [a-z0-9-], so a
// valid key part, document segment and file name).
func (d Deployment) World(id string) Layout {
	tag := d.tag("world:" + id)
	return Layout{
		World:  id,
		Status: tag + ":status", LastRefresh: tag + ":last_refresh", ProbeRound: tag + ":probe",
		Webhook: tag + ":webhook", Telegram: tag + ":telegram", Fence: tag + ":fence", Channel: tag + ":published",
		Interval: d.key(KeyInterval) + ":" + id, DefaultInterval: d.key(KeyInterval),
		StatusDoc: WorldsDoc + "/" + id + "/status", BadgeDoc: WorldsDoc + "/" + id + "/badge",
		StatusFile: "status-" + id + ".json", BadgeFile: "badge-" + id + ".json",
	}.withHistory(tag, WorldsDoc+"/"+id)
}

// Legacy is the layout of the default deployment without a worlds file: today's keys,
// files and URLs.
func Legacy() Layout { return Deployment("").Legacy() }

// WorldsDoc is the index of every world (/api/worlds.json), and WorldsFile its copy.
const (
	WorldsDoc  = nginx.WorldsDoc
	WorldsFile = "worlds.json"
)

// WorldLayout is the default deployment's layout of the world id.
func WorldLayout(id string) Layout { return Deployment("").World(id) }

// HistoryURL is the public URL of the layout's history document.
func (l Layout) HistoryURL() string { return "/" + l.HistoryDoc + ".json" }

// PlayersURL is the public URL of the layout's players document.
func (l Layout) PlayersURL() string { return "/" + l.PlayersDoc + ".json" }

// StatusURL is the public URL of the layout's status document.
func (l Layout) StatusURL() string { return "/" + l.StatusDoc + ".json" }

package replica

import (
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"statusedge/internal/snapshot"
	"statusedge/internal/worlds"
	"statusedge/nginx"
)

// Withdraw deletes, from this replica's STATUS_DIR (dir), the documents of the worlds
// its worlds file no longer lists (ids are those it lists): each document folder of nginx.WorldsDoc/<id>/ (status,
// badge, history, uptime badges: api.worlds.<id>.<doc>, nginx.DocDir) and the copies
// status-<id>.json and badge-<id>.json. nginx then answers their URLs with its JSON 404
// (a folder no publisher made is no news for the origin), where a removed world's badge
// said "stale" forever. Only this STATUS_DIR: during a rolling change each replica
// withdraws what its own file dropped. Only names whose id is a world id; a symlink
// among them is removed as the link it is, never followed. A failure is logged: it
// leaves old documents, never a wrong status.
func Withdraw(dir string, ids []string, log *slog.Logger) {
	keep := make(map[string]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		log.Warn("withdraw removed worlds", "err", err)
		return
	}
	folder := filepath.Base(nginx.DocDir("", snapshot.WorldsDoc)) + "." // api.worlds.
	gone := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		id, ok := worldOf(name, folder, "")
		if !ok {
			for _, prefix := range []string{"status-", "badge-"} {
				if id, ok = worldOf(name, prefix, ".json"); ok {
					break
				}
			}
		}
		if !ok || keep[id] {
			continue
		}
		// RemoveAll removes a symlink itself, never what it points at.
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			log.Warn("withdraw a removed world's document", "world", id, "path", name, "err", err)
			continue
		}
		gone[id] = true
	}
	for _, id := range slices.Sorted(maps.Keys(gone)) {
		log.Info("world not in the worlds file: its documents withdrawn", "world", id)
	}
}

// worldOf is the world id in name, prefix + id + "." + doc (suffix "") or prefix + id +
// suffix; ok is false when name is no such name of a world.
func worldOf(name, prefix, suffix string) (id string, ok bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return "", false
	}
	if suffix == "" {
		id, doc, found := strings.Cut(rest, ".")
		return id, found && doc != "" && worlds.ValidID(id)
	}
	id, ok = strings.CutSuffix(rest, suffix)
	return id, ok && worlds.ValidID(id)
}

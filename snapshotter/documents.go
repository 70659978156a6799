package main

import (
	"github.com/redis/go-redis/v9"

	"statusedge/internal/documents"
	"statusedge/internal/maintenance"
)

// documentsOf is each world as the documents (the historian's and the index) see it:
// its layout and names, its status copy, its record, its plan and, in rdb, when its
// windows were first published.
func documentsOf(ws []*world, rdb redis.UniversalClient) []documents.World {
	out := make([]documents.World, len(ws))
	for i, w := range ws {
		seen := maintenance.NewSeen(rdb, w.setup.layout.WindowsSeen)
		seen.Log = w.log
		out[i] = documents.World{Layout: w.setup.layout, NameEN: w.setup.nameEN, NameRU: w.setup.nameRU,
			Copy: w.r.Local(), Record: w.hist, Plan: w.plan.Plan, Poll: w.plan.Poll,
			Seen: seen, Log: w.log, Samples: w.samples}
	}
	return out
}

package main

import "statusedge/internal/documents"

// documentsOf is each world as the documents (the historian's and the index) see it:
// its layout and names, its status copy, its record and its plan.
func documentsOf(ws []*world) []documents.World {
	out := make([]documents.World, len(ws))
	for i, w := range ws {
		out[i] = documents.World{Layout: w.setup.layout, NameEN: w.setup.nameEN, NameRU: w.setup.nameRU,
			Copy: w.r.local, Record: w.hist, Plan: w.plan.Plan, Poll: w.plan.poll, Published: w.plan.published, Log: w.r.log}
	}
	return out
}

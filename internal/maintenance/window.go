// Package maintenance holds planned maintenance: one-off windows (from, until, message)
// and recurring ones (weekdays, time, duration, time zone), from the maintenance file and
// from the command line, and answers which window is active at a moment and which start
// within the announcement span.
package maintenance

import "time"

// Text is a message in the two languages the status page speaks.
type Text struct {
	EN string `json:"en"`
	RU string `json:"ru"`
}

// Window is one occurrence of planned maintenance: [From, Until).
type Window struct {
	From    time.Time `json:"from"`
	Until   time.Time `json:"until"`
	Message Text      `json:"message"`
	// Recurring says that it is an occurrence of a recurring window of the file.
	Recurring bool `json:"recurring"`
	// Created is when the command that made it ran (a command-line window's, kept by
	// Store); zero for the file's, whose creation is their first publish (Seen). Not part
	// of the window's public shape.
	Created time.Time `json:"-"`
}

// Announce is how far ahead a window is announced in the documents.
const Announce = 24 * time.Hour

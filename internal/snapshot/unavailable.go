package snapshot

// What the origin and nginx answer, as a JSON 503, when no snapshot can be read at all:
// never an invented status (spec: GET /api/server/status).
const (
	UnavailableMessage    = "status unavailable: no snapshot could be read, try again shortly"
	UnavailableRetryAfter = "10" // seconds, the Retry-After header
)

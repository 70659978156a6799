package harness

// StartRedisOn starts redis-server on port (0 picks a free one) with its folder dir, and
// with appendOnly its append-only file on and synced at every write: a server stopped
// and started again on the same dir and port then reads back every write it
// acknowledged, and one without it starts empty. Tests of what a Redis restart keeps use
// it; StartRedis is the same server with appendOnly false on a free port.
func StartRedisOn(dir string, port int, appendOnly bool) (*Redis, error) {
	if port == 0 {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		port = p
	}
	var extra []string
	if appendOnly {
		// Later arguments win over dataNodeArgs' "--appendonly no".
		extra = []string{"--appendonly", "yes", "--appendfsync", "always"}
	}
	return startRedisNode("redis", dir, port, dataNodeArgs(dir, port, extra...)...)
}

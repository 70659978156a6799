package snapshot

import (
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// FenceReadLua reads the fence (KEYS[2]) into the local fence, 0 when absent, and fails
// the script with DAMAGEDFENCE when it holds anything but a token (digits): compared as
// nil, a forged "abc" failed every write with "attempt to compare number with nil",
// which named neither the key nor the repair. A damaged fence is never reset here: a
// reset would let a deposed leader, with its old token, write again.
const FenceReadLua = `
local raw = redis.pcall('GET', KEYS[2])
if type(raw) == 'table' then
  return redis.error_reply('DAMAGEDFENCE (not a string)')
end
if raw and (#raw > 18 or not string.match(raw, '^%d+$')) then
  return redis.error_reply('DAMAGEDFENCE "' .. string.gsub(string.sub(raw, 1, 40), '[^%w%p ]', '?') .. '"')
end
local fence = tonumber(raw or '0')
`

// DamagedFenceError is a fenced write, or a lease, refused because the fence holds
// something that is not a token. It says how to repair it: no program does, since the
// fence must only ever grow.
type DamagedFenceError struct {
	Key  string
	Held string // what the fence holds, quoted and cut, or "(not a string)"
	// CLI is the redis-cli command line of the deployment's own server and database
	// (redisconn.CLI): a bare redis-cli would raise db 0's fence, perhaps another
	// deployment's, and leave this one's damaged.
	CLI string
}

func (e *DamagedFenceError) Error() string {
	return fmt.Sprintf("fence %s holds %s, not a token: every write of the leader is refused until it is repaired: "+
		"stop every snapshotter, then `%s SET '%s' N` with N above every token issued "+
		"(the lease hash's token field, plus a margin); it is never reset by itself, or a deposed leader could write again",
		e.Key, e.Held, e.CLI, e.Key)
}

// FenceError is err as a *DamagedFenceError when it is FenceReadLua's refusal of the fence
// key, else err unchanged; cli is the deployment's redis-cli (redisconn.CLI).
func FenceError(err error, cli, key string) error {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return err
	}
	held, ok := strings.CutPrefix(rerr.Error(), "DAMAGEDFENCE ")
	if !ok {
		return err
	}
	return &DamagedFenceError{Key: key, Held: held, CLI: cli}
}

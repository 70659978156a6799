// Package lease elects one snapshotter of a fleet to read MySQL, through a lease in Redis,
// and issues the fencing tokens with which the leader's writes (snapshot.Store.PutFenced,
// the one writer of server:status) are fenced, so that a leader that lost the lease without noticing (a long GC
// or VM pause, a network partition) cannot overwrite a newer leader's snapshot.
//
// Every new leadership gets a fencing token, one more than any token seen before. A
// snapshot is published with its leader's token, and Redis refuses it when a bigger token
// exists: the lease decides who should write, the token decides whose write counts.
//
// The keys live in the hash slot of the public key server:status (hash tag
// {server:status}), so that the Lua scripts that touch two of them at once also run on
// Redis Cluster, where a script's keys must share one slot:
//
//	{server:status}:leader  hash {holder, token, worlds}, expiring with the lease
//	{server:status}:fence   the biggest token issued or published; never expires
//
// Those are the default deployment's names; snapshot.Deployment.Fleet names every
// deployment's ({prod:server:status}:leader ...). worlds is the leader's worlds-file
// fingerprint, for the followers to compare with their own.
//
// Redis replicates asynchronously, so a Sentinel failover can lose the last writes,
// the fence among them. A leader whose publish is refused must therefore step down or
// acquire again: Acquire then issues a token above the one that was seen.
package lease

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/redisconn"
	"statusedge/internal/snapshot"
)

// Keys and channel of the default deployment. The hash tag is the status key itself: a
// tag hashes like a key of the same name, so these share server:status's slot by
// construction.
const (
	KeyLeader = snapshot.KeyLeader
	KeyFence  = snapshot.KeyFence
	// Channel is snapshot.Channel, where the store announces every accepted write.
	Channel = snapshot.Channel
)

// acquireScript takes the lease if it is free. The holder that already has it keeps it,
// with its token while that is still the biggest; a token left behind by a bigger one
// (a fence restored by a failover that lost writes) is replaced, or every publish of
// this leader would be refused for good. Returns the token, or 0 when someone else holds it.
//
// A leader key that is not a lease (not a hash, or a hash without a holder and a token
// in digits: forged, or written by another program) is rebuilt: no replica can hold it,
// and the fence keeps any replica that thought it did from writing. Its description
// comes back as the second element (empty when the key was sound) to be logged. A damaged
// fence fails the script (snapshot.FenceReadLua): it is never rebuilt. Returns {token,
// rebuilt}, token 0 when someone else holds the lease.
const acquireScript = notLeaseLua + snapshot.FenceReadLua + `
local rebuilt = ''
if damaged then
  rebuilt = damaged
  redis.call('DEL', KEYS[1])
end
local holder = redis.call('HGET', KEYS[1], 'holder')
if holder and holder ~= ARGV[1] then
  return {0, rebuilt}
end
local token = tonumber(redis.call('HGET', KEYS[1], 'token') or '0')
if not holder or token < fence then
  token = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'token', token)
end
redis.call('HSET', KEYS[1], 'worlds', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {token, rebuilt}
`

// notLeaseLua sets damaged to what the leader key (KEYS[1]) holds when it is there and
// not a lease, else false. The other scripts read such a key as no lease.
const notLeaseLua = `
local damaged = false
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'none' then
  if kind ~= 'hash' then
    damaged = 'a ' .. kind
  else
    local h, t = redis.call('HGET', KEYS[1], 'holder'), redis.call('HGET', KEYS[1], 'token')
    if not h or not t or #t > 18 or not string.match(t, '^%d+$') then
      damaged = 'a hash without a holder and a token'
    end
  end
end
`

// renewScript extends the lease only if ARGV[1] holds it: a plain PEXPIRE would revive
// a lease another replica took meanwhile.
const renewScript = notLeaseLua + `
if not damaged and redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`

// releaseScript deletes the lease only if ARGV[1] holds it.
const releaseScript = notLeaseLua + `
if not damaged and redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`

// inspectScript reads holder, token, remaining life and the holder's worlds
// fingerprint in one step, so they agree.
const inspectScript = notLeaseLua + `
if damaged then
  return {false, false, -2, false}
end
return {redis.call('HGET', KEYS[1], 'holder'), redis.call('HGET', KEYS[1], 'token'), redis.call('PTTL', KEYS[1]),
  redis.call('HGET', KEYS[1], 'worlds')}
`

// Lease is one replica's handle on the leader lease. Its methods are safe for concurrent
// use; the deadline of each call is its context's and the client's.
type Lease struct {
	rdb    redis.UniversalClient
	keys   snapshot.FleetKeys
	holder string
	worlds string // the holder's worlds-file fingerprint
	cli    string // redisconn.CLI(rdb), for the repair a damaged fence's error prints
	ttl    time.Duration

	acquire, renew, release, inspect *redis.Script

	// Log, when set, hears of a leader key rebuilt because it was not a lease.
	Log *slog.Logger
}

// New returns holder's handle on deployment d's lease. holder must be unique to the
// process (host name plus pid, say): two replicas with one name would both think they
// lead. worlds is the fingerprint of the holder's worlds file (worlds.Fingerprint; "" for
// none), kept in the lease while it leads. ttl is how long the lease outlives its last
// renewal; at least a millisecond, Redis's resolution.
func New(rdb redis.UniversalClient, d snapshot.Deployment, holder, worlds string, ttl time.Duration) (*Lease, error) {
	if holder == "" {
		return nil, errors.New("lease: empty holder name")
	}
	if ttl < time.Millisecond {
		return nil, fmt.Errorf("lease: ttl %s: want at least 1ms", ttl)
	}
	return &Lease{
		rdb: rdb, cli: redisconn.CLI(rdb), keys: d.Fleet(), holder: holder, worlds: worlds, ttl: ttl,
		acquire: redis.NewScript(acquireScript),
		renew:   redis.NewScript(renewScript),
		release: redis.NewScript(releaseScript),
		inspect: redis.NewScript(inspectScript),
	}, nil
}

// Acquire takes the lease for ttl if it is free, or keeps it if this holder has it (a
// renewal whose reply was lost looks like a lost lease; acquiring again is the way
// back). ok is false while another holder has it. token is the fencing token for
// PublishFenced; it stays the same for as long as this holder keeps the lease.
func (l *Lease) Acquire(ctx context.Context) (token int64, ok bool, err error) {
	vals, err := l.acquire.Run(ctx, l.rdb, []string{l.keys.Leader, l.keys.Fence}, l.holder, l.ttl.Milliseconds(), l.worlds).Slice()
	if err != nil {
		return 0, false, fmt.Errorf("acquire lease %s: %w", l.keys.Leader, snapshot.FenceError(err, l.cli, l.keys.Fence))
	}
	token, _ = vals[0].(int64)
	if rebuilt, _ := vals[1].(string); rebuilt != "" && l.Log != nil {
		l.Log.Warn("lease key held "+rebuilt+", not a lease: rebuilt", "key", l.keys.Leader, "holder", l.holder, "token", token)
	}
	return token, token > 0, nil
}

// Renew extends the lease by ttl from now if this holder still has it. false means it
// was lost (it expired, maybe taken over): stop acting as leader.
func (l *Lease) Renew(ctx context.Context) (bool, error) {
	n, err := l.renew.Run(ctx, l.rdb, []string{l.keys.Leader}, l.holder, l.ttl.Milliseconds()).Int64()
	if err != nil {
		return false, fmt.Errorf("renew lease %s: %w", l.keys.Leader, err)
	}
	return n == 1, nil
}

// Release gives the lease up if this holder has it, so that another replica takes over
// at once rather than after ttl (on shutdown). false means it was not ours to release.
func (l *Lease) Release(ctx context.Context) (bool, error) {
	n, err := l.release.Run(ctx, l.rdb, []string{l.keys.Leader}, l.holder).Int64()
	if err != nil {
		return false, fmt.Errorf("release lease %s: %w", l.keys.Leader, err)
	}
	return n == 1, nil
}

// Info describes the current lease, for debug output. It has no JSON tags: a Duration
// would encode as nanoseconds, and the debug endpoint shows seconds.
type Info struct {
	Holder string
	Token  int64
	TTL    time.Duration // left before it expires unless renewed
	// Worlds is the holder's worlds-file fingerprint ("" for none).
	Worlds string
}

// Worlds is this replica's worlds-file fingerprint, as given to New.
func (l *Lease) Worlds() string { return l.worlds }

// Holder reports who holds the lease; ok is false when nobody does.
func (l *Lease) Holder(ctx context.Context) (info Info, ok bool, err error) {
	vals, err := l.inspect.Run(ctx, l.rdb, []string{l.keys.Leader}).Slice()
	if err != nil {
		return Info{}, false, fmt.Errorf("read lease %s: %w", l.keys.Leader, err)
	}
	// A missing field comes back as nil; a missing key has every field missing.
	if len(vals) != 4 || vals[0] == nil {
		return Info{}, false, nil
	}
	holder, _ := vals[0].(string)
	s, _ := vals[1].(string)
	token, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return Info{}, false, fmt.Errorf("read lease %s: token: %w", l.keys.Leader, err)
	}
	pttl, _ := vals[2].(int64)
	worlds, _ := vals[3].(string)
	return Info{Holder: holder, Token: token, TTL: time.Duration(pttl) * time.Millisecond, Worlds: worlds}, true, nil
}

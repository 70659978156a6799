// Package leader runs the snapshotter's side of the lease (internal/lease): it competes
// for leadership, runs the leader-only tasks while it holds the lease, renews it, steps
// down when it is lost, and fences every leader's write with the term's token.
package leader

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"statusedge/internal/lease"
	"statusedge/internal/redisconn"
	"statusedge/internal/snapshot"
)

// Roles.
const (
	RoleLeader   = "leader"
	RoleFollower = "follower"
	RoleIsolated = "isolated" // see Role.isolated
)

// ErrNotLeader refuses a write of a replica that does not (or no longer) lead: its lease
// lapsed, or Redis refused its token because a newer leader exists.
var ErrNotLeader = errors.New("not the leader: write refused")

// ErrIsolated refuses the Redis write of a leader whose lease lapsed while Redis was out
// of reach: it keeps its leader's work for its own STATUS_DIR (see Role.isolated).
var ErrIsolated = errors.New("isolated: Redis out of reach since the lease lapsed, this replica's STATUS_DIR alone is written")

// ErrFenceDamaged marks a leader's write refused because its fence holds no token
// (snapshot.DamagedFenceError, wrapped with it): the role has logged it, with its
// repair, once for that damage; callers leave it unsaid (Unsaid). The write keeps
// failing until the fence is repaired: it never resets itself.
var ErrFenceDamaged = errors.New("fence damaged (logged once by the role)")

// Unsaid is err less what the role has logged already (ErrFenceDamaged), also inside a
// joined error (a refresh's Redis and file errors); nil when nothing is left to say.
func Unsaid(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var left []error
		for _, e := range j.Unwrap() {
			if e = Unsaid(e); e != nil {
				left = append(left, e)
			}
		}
		return errors.Join(left...)
	}
	if errors.Is(err, ErrFenceDamaged) {
		return nil
	}
	return err
}

// Lease is what the role runner needs of internal/lease.
type Lease interface {
	Acquire(ctx context.Context) (token int64, ok bool, err error)
	Renew(ctx context.Context) (bool, error)
	Release(ctx context.Context) (bool, error)
	Holder(ctx context.Context) (lease.Info, bool, error)
}

// FencedStore is the writer of a world's snapshot a leader publishes through
// (snapshot.Store.PutFenced).
type FencedStore interface {
	PutFenced(ctx context.Context, token int64, data []byte, ttl time.Duration) (bool, error)
}

// Role competes for the leader lease and runs the leader-only tasks while it holds it.
// Tasks are plain func(ctx): started when leadership is gained, their context cancelled
// (and waited for) when it is lost or the process stops. Anything else that only one
// replica may do (the game-server probe) is appended to Tasks; it publishes through
// Publish, which carries the fencing token. Tasks, OnChange, Worlds and OnMismatch are
// set before Run.
type Role struct {
	lease   Lease
	ttl     time.Duration // STATUS_LEASE
	timeout time.Duration // each Redis call
	Tasks   []func(ctx context.Context)
	now     func() time.Time
	log     *slog.Logger
	// OnChange, when set, is told every change of role (metrics).
	OnChange func(leader bool)
	// Worlds is this replica's worlds-file fingerprint (worlds.Fingerprint), compared
	// with the leader's in the lease by every follower's attempt; OnMismatch, when set,
	// is told each change of the verdict (metrics), which is logged once per change.
	Worlds     string
	OnMismatch func(mismatch bool)

	mu    sync.Mutex
	token int64     // 0 while following
	until time.Time // the lease is surely ours before this (monotonic): last renewal + ttl
	// isolated is set while the lease has lapsed because Redis did not answer: no other
	// replica can have taken it from a Redis that nobody reaches, so this one goes on
	// probing and reading MySQL into its own STATUS_DIR (the file the edges in front of
	// it serve) rather than leave it to age, and writes nothing to Redis. It ends when
	// Redis answers: with the lease again, or as a follower if another replica took it.
	isolated bool
	// stepDown is signalled by Publish when Redis refused the token.
	stepDown chan struct{}
	// mismatch: the leader's worlds file differed from this replica's at the last look.
	mismatch bool
	// damaged is what was said of each damaged fence, so that a write refused every probe
	// round says it once (again when the damage changes, or after a repair).
	damaged redisconn.Damage
	// acquireFence is the fence a refused Acquire named, told sound when one succeeds.
	acquireFence string
}

func NewRole(l Lease, ttl, timeout time.Duration, now func() time.Time, log *slog.Logger) *Role {
	return &Role{lease: l, ttl: ttl, timeout: timeout, now: now, log: log, stepDown: make(chan struct{}, 1)}
}

// every is the pace of renewals and of a follower's attempts.
func (r *Role) every() time.Duration { return RenewEvery(r.ttl) }

// RenewEvery is a third of the lease: three renewals fit in one lease, so one lost reply
// or a slow Redis does not cost the lease.
func RenewEvery(lease time.Duration) time.Duration { return max(lease/3, 10*time.Millisecond) }

// Leading reports whether this replica leads now: it holds a token and its last renewal
// is less than a lease ago. The clock is monotonic, so a process stopped past its lease
// (SIGSTOP, a VM pause) knows on waking that it may no longer lead, before any write.
func (r *Role) Leading() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.token > 0 && r.now().Before(r.until)
}

// Acting reports whether this replica does the leader's work now: it leads, or it led
// until Redis went out of reach (isolated).
func (r *Role) Acting() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.isolated || (r.token > 0 && r.now().Before(r.until))
}

// PublishTo is how a world's refresher puts its snapshot: through store, with this
// leadership's fencing token (Publish), fenced by fence (the world's). One lease covers
// every world.
func (r *Role) PublishTo(store FencedStore, fence string) func(ctx context.Context, data []byte, ttl time.Duration) error {
	return func(ctx context.Context, data []byte, ttl time.Duration) error {
		return r.Publish(ctx, store, fence, data, ttl)
	}
}

// Publish stores data as the world's snapshot (store's keys) with this leadership's
// fencing token (Fenced).
func (r *Role) Publish(ctx context.Context, store FencedStore, fence string, data []byte, ttl time.Duration) error {
	return r.Fenced(ctx, fence, func(ctx context.Context, token int64) (bool, error) {
		return store.PutFenced(ctx, token, data, ttl)
	})
}

// Fenced runs a leader's write (a snapshot, a minute of history) with this leadership's
// fencing token, fenced by the key fence; write reports whether Redis accepted the
// token. A replica that does not lead, or whose token Redis refuses, gets ErrNotLeader
// and steps down; an isolated one gets ErrIsolated and writes nothing. A damaged fence is
// ErrFenceDamaged, logged here once per damage (fence names the key to tell sound again
// once a write through it succeeds).
func (r *Role) Fenced(ctx context.Context, fence string, write func(ctx context.Context, token int64) (bool, error)) error {
	r.mu.Lock()
	token, ok, isolated := r.token, r.token > 0 && r.now().Before(r.until), r.isolated
	r.mu.Unlock()
	if isolated {
		return ErrIsolated
	}
	if !ok {
		return ErrNotLeader
	}
	accepted, err := write(ctx, token)
	if err != nil {
		return r.fenceDamaged(err)
	}
	if r.damaged.Sound(fence) {
		r.log.Info("fence repaired: the leader's writes go through again", "key", fence)
	}
	if !accepted {
		select {
		case r.stepDown <- struct{}{}:
		default:
		}
		return ErrNotLeader
	}
	return nil
}

// fenceDamaged is err wrapped with ErrFenceDamaged when it is a damaged fence's refusal,
// logged (with the repair the error names) the first time that damage is met; any other
// err is returned as it is.
func (r *Role) fenceDamaged(err error) error {
	var damaged *snapshot.DamagedFenceError
	if !errors.As(err, &damaged) {
		return err
	}
	if r.damaged.News(damaged.Key, damaged.Held) {
		r.log.Error("fence damaged: the leader's writes are refused until it is repaired", "key", damaged.Key, "err", err)
	}
	return saidError{err}
}

// saidError is a damaged fence's err marked ErrFenceDamaged. Not fmt.Errorf with two
// %w: that error unwraps to a list, which Unsaid would take for a join of two errors.
type saidError struct{ err error }

func (e saidError) Error() string        { return ErrFenceDamaged.Error() + ": " + e.err.Error() }
func (e saidError) Unwrap() error        { return e.err }
func (e saidError) Is(target error) bool { return target == ErrFenceDamaged }

// Run competes for the lease until ctx ends, then releases it if held.
func (r *Role) Run(ctx context.Context) {
	for ctx.Err() == nil {
		token, wait := r.try(ctx)
		if token == 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
			continue
		}
		r.lead(ctx, token)
	}
}

// try asks for the lease once. Without it, wait is how long until the next attempt: the
// pace, or sooner when the holder's lease expires sooner, so a dead leader is replaced
// as soon as its lease lapses, within one lease period.
func (r *Role) try(ctx context.Context) (token int64, wait time.Duration) {
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	start := r.now()
	token, ok, err := r.lease.Acquire(cctx)
	if err != nil {
		var damaged *snapshot.DamagedFenceError
		if errors.As(err, &damaged) {
			r.mu.Lock()
			r.acquireFence = damaged.Key
			r.mu.Unlock()
			r.fenceDamaged(err) // every attempt meets it: said once
		} else {
			r.log.Warn("lease", "err", err)
		}
		return 0, r.every()
	}
	r.mu.Lock()
	fence := r.acquireFence
	r.acquireFence = ""
	r.mu.Unlock()
	if fence != "" && r.damaged.Sound(fence) {
		r.log.Info("fence repaired: the lease can be taken again", "key", fence)
	}
	if ok {
		r.mu.Lock()
		r.token, r.until = token, start.Add(r.ttl)
		r.mu.Unlock()
		return token, 0
	}
	wait = r.every()
	info, held, err := r.lease.Holder(cctx)
	if err == nil && held {
		r.compareWorlds(info)
	}
	if err == nil && held && info.TTL < wait {
		wait = info.TTL + 5*time.Millisecond
	} else if err == nil && !held {
		wait = 0 // released between the two calls
	}
	return 0, wait
}

// compareWorlds compares the leader's worlds-file fingerprint with this replica's, and
// says so when the verdict changes: each replica publishes only its own file's worlds,
// so while the files differ, the worlds one of them lacks go unpublished or stale on the
// replicas that have them (README: a rolling change of the worlds file).
func (r *Role) compareWorlds(leader lease.Info) {
	mismatch := leader.Worlds != r.Worlds
	r.mu.Lock()
	changed := mismatch != r.mismatch
	r.mismatch = mismatch
	r.mu.Unlock()
	if !changed {
		return
	}
	if mismatch {
		r.log.Warn("worlds file differs from the leader's: each replica publishes only the worlds of its own file",
			"worlds_fingerprint", r.Worlds, "leader", leader.Holder, "leader_worlds_fingerprint", leader.Worlds)
	} else {
		r.log.Info("worlds file agrees with the leader's again", "worlds_fingerprint", r.Worlds)
	}
	if r.OnMismatch != nil {
		r.OnMismatch(mismatch)
	}
}

// lead runs the tasks and renews the lease until it is lost or ctx ends.
func (r *Role) lead(ctx context.Context, token int64) {
	r.log.Info("leader", "token", token)
	if r.OnChange != nil {
		r.OnChange(true)
	}
	r.compareWorlds(lease.Info{Worlds: r.Worlds}) // the leader's file is the fleet's
	// A refusal of an earlier term is no news for this one.
	select {
	case <-r.stepDown:
	default:
	}
	tctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, task := range r.Tasks {
		wg.Add(1)
		go func() { defer wg.Done(); task(tctx) }()
	}
	why := r.renewLoop(ctx)
	stop()
	wg.Wait()
	r.mu.Lock()
	r.token, r.isolated = 0, false
	r.mu.Unlock()
	if r.OnChange != nil {
		r.OnChange(false)
	}
	if ctx.Err() != nil {
		// Shutdown: hand over at once instead of after a lease period.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
		defer cancel()
		if _, err := r.lease.Release(rctx); err != nil {
			r.log.Warn("release lease", "err", err)
		} else {
			r.log.Info("lease released")
		}
		return
	}
	r.log.Warn("follower: leadership lost", "why", why)
}

// renewLoop renews every r.every() and says why it stopped leading. A lease that lapses
// while Redis does not answer makes the replica isolated (see Role.isolated) instead: the
// tasks go on, and each tick asks Redis for the lease again.
func (r *Role) renewLoop(ctx context.Context) string {
	t := time.NewTicker(r.every())
	defer t.Stop()
	var unreachable bool // the last renewal got no answer from Redis
	for {
		select {
		case <-ctx.Done():
			return "stopping"
		case <-r.stepDown:
			return "a newer leader's token refused this one's write"
		case <-t.C:
		}
		if r.isIsolated() {
			if why, done := r.rejoin(ctx); done {
				return why
			}
			continue
		}
		if !r.Leading() {
			if !unreachable || r.reachable(ctx) {
				// Woken after a pause longer than the lease (a renewal that timed out in
				// the pause too): another replica may lead by now.
				return "the lease lapsed before it was renewed"
			}
			r.isolate()
			continue
		}
		start := r.now()
		cctx, cancel := context.WithTimeout(ctx, r.timeout)
		ok, err := r.lease.Renew(cctx)
		cancel()
		unreachable = err != nil
		switch {
		case err != nil:
			r.log.Warn("renew lease", "err", err) // Leading() ends the term if this lasts
		case !ok:
			if r.retake(ctx) {
				continue
			}
			return "the lease was taken over"
		default:
			r.mu.Lock()
			r.until = start.Add(r.ttl)
			r.mu.Unlock()
		}
	}
}

// reachable asks Redis once who holds the lease: whether it answers at all.
func (r *Role) reachable(ctx context.Context) bool {
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	_, _, err := r.lease.Holder(cctx)
	return err == nil
}

// retake takes the lease again when a renewal found it gone rather than held by another
// (Redis restarted empty, or was flushed): the leader goes on, with a new token, instead
// of stepping down and leaving its work to a race.
func (r *Role) retake(ctx context.Context) bool {
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if _, held, err := r.lease.Holder(cctx); err != nil || held {
		return false
	}
	start := r.now()
	token, ok, err := r.lease.Acquire(cctx)
	if err != nil || !ok {
		return false
	}
	r.mu.Lock()
	r.token, r.until = token, start.Add(r.ttl)
	r.mu.Unlock()
	r.log.Warn("lease found gone (Redis restarted or flushed): taken again", "token", token)
	return true
}

func (r *Role) isIsolated() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.isolated
}

// isolate goes on with the leader's work, for this replica's STATUS_DIR alone.
func (r *Role) isolate() {
	r.mu.Lock()
	r.isolated = true
	r.mu.Unlock()
	r.log.Warn("isolated: the lease lapsed with Redis out of reach; probing and reading MySQL on for this replica's STATUS_DIR, nothing written to Redis")
	if r.OnChange != nil {
		r.OnChange(false)
	}
}

// rejoin asks an isolated replica's Redis for the lease: done, with why, when another
// replica holds it (its tasks stop); with the lease, the replica leads again.
func (r *Role) rejoin(ctx context.Context) (why string, done bool) {
	start := r.now()
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	token, ok, err := r.lease.Acquire(cctx)
	cancel()
	switch {
	case err != nil:
		r.log.Debug("isolated: lease", "err", err)
		return "", false
	case !ok:
		return "Redis is back and another replica leads", true
	}
	r.mu.Lock()
	r.token, r.until, r.isolated = token, start.Add(r.ttl), false
	r.mu.Unlock()
	r.log.Info("leader again: Redis is back", "token", token)
	if r.OnChange != nil {
		r.OnChange(true)
	}
	return "", false
}

// Status is the lease as this replica sees it, for debug output.
type Status struct {
	Role           string `json:"role"`
	Holder         string `json:"lease_holder,omitempty"`
	Token          int64  `json:"lease_token,omitempty"`
	LeaseTTLMillis int64  `json:"lease_ttl_ms,omitempty"`
	Error          string `json:"lease_error,omitempty"`
	// WorldsFingerprint is this replica's worlds-file fingerprint, LeaderWorldsFingerprint
	// the lease holder's ("" without a file); WorldsMismatch says they differ.
	WorldsFingerprint       string `json:"worlds_fingerprint"`
	LeaderWorldsFingerprint string `json:"lease_worlds_fingerprint"`
	WorldsMismatch          bool   `json:"worlds_file_mismatch"`
}

// Status is the lease as this replica sees it now, for /debug.
func (r *Role) Status(ctx context.Context) Status {
	s := Status{Role: RoleFollower, WorldsFingerprint: r.Worlds}
	switch {
	case r.isIsolated():
		s.Role = RoleIsolated
	case r.Leading():
		s.Role = RoleLeader
	}
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	info, held, err := r.lease.Holder(cctx)
	switch {
	case err != nil:
		s.Error = err.Error()
	case held:
		s.Holder, s.Token, s.LeaseTTLMillis = info.Holder, info.Token, info.TTL.Milliseconds()
		s.LeaderWorldsFingerprint, s.WorldsMismatch = info.Worlds, info.Worlds != r.Worlds
	}
	return s
}

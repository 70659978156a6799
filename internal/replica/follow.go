package replica

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/leader"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// Follow keeps STATUS_DIR current from Redis, on every replica: each snapshot the leader
// publishes is announced on its world's channel, and every `every` each world's snapshot
// is read as well, for the messages pub/sub loses (a reconnect, a Redis restart, a
// follower that subscribed late). A message is only a cue to read the world's own key:
// channels are server-wide, whatever the db, so another deployment on another db of the
// same Redis server (with the same STATUS_DEPLOYMENT, or none) publishes on the same
// channel, and only the key, in this deployment's db, is surely this deployment's. Both go through Local.Copy, which never puts an older
// snapshot over a newer one. What this replica put itself is skipped: the leader writes
// STATUS_DIR right after its put, and its own message, which can arrive before that, is
// no follower copy.
func (r *Refresher) Follow(ctx context.Context, rdb redis.UniversalClient, configured, every time.Duration) {
	FollowAll(ctx, rdb, []*Refresher{r}, configured, every)
}

// FollowAll is Follow for every world at once: one subscription for all their channels.
func FollowAll(ctx context.Context, rdb redis.UniversalClient, rs []*Refresher, configured, every time.Duration) {
	byChannel := make(map[string]*Refresher, len(rs))
	channels := make([]string, 0, len(rs))
	for _, r := range rs {
		ch := r.local.Layout().Channel
		byChannel[ch] = r
		channels = append(channels, ch)
	}
	ps := rdb.Subscribe(ctx, channels...)
	defer ps.Close()
	msgs := ps.Channel()
	t := time.NewTicker(every)
	defer t.Stop()
	checkAll := func() {
		for _, r := range rs {
			r.check(ctx, configured)
		}
	}
	checkAll()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-msgs:
			if !ok {
				return
			}
			if r := byChannel[m.Channel]; r != nil {
				r.reread(ctx, "message")
			}
		case <-t.C:
			checkAll()
		}
	}
}

// check reads server:status and, on a follower, when the next refresh is due.
func (r *Refresher) check(ctx context.Context, configured time.Duration) {
	r.reread(ctx, "check")
	if r.leading != nil && r.leading() {
		return // the leader's loop keeps nextDue
	}
	rctx, cancel := context.WithTimeout(ctx, r.redisTimeout)
	defer cancel()
	if rec, ok, err := r.store.Record(rctx); err == nil && ok {
		r.setNextDue(rec.At.Add(r.store.Interval(rctx, configured, r.ttl).Every))
	}
}

// reread reads the world's snapshot key and applies what it holds (via: what prompted it).
func (r *Refresher) reread(ctx context.Context, via string) {
	rctx, cancel := context.WithTimeout(ctx, r.redisTimeout)
	data, err := r.store.Get(rctx)
	cancel()
	switch {
	case errors.Is(err, snapshot.ErrMiss):
	case err != nil:
		r.log.Warn("follow: read snapshot", "via", via, "err", err)
	default:
		r.apply(ctx, data, via)
	}
}

// apply copies data, from Redis, into STATUS_DIR (Local.Copy decides whether it may).
// On the leader, bytes that are not its own are someone else's write to the world's key
// (a forgery, an origin's refill, an operator's -once): the leader takes none of it. It
// puts its own snapshot back at once, so that no replica copies the stranger's for
// longer than a message takes, and, when the stranger claims a later read than its own,
// reads the database again (at most once per snapshot.MinInterval), so an operator's
// forced refresh still takes effect.
func (r *Refresher) apply(ctx context.Context, data []byte, via string) {
	if r.own(data) {
		// Debug: the leader meets each of its own puts here once or twice.
		r.log.Debug("follow: own put, not copied", "via", via)
		return
	}
	if _, held := r.local.Current(); bytes.Equal(held, data) {
		// What STATUS_DIR holds already (a leader's start took it from Redis, or a new
		// leader meets its predecessor's last publish): nobody else's write.
		r.log.Debug("follow: the snapshot held already, not copied", "via", via)
		return
	}
	if r.leading != nil && r.leading() {
		if base := r.republishBase(); base == nil || !base.Fresh(r.now()) {
			// Nothing fresh of its own to put back: its term's start (Loop) takes a fresh
			// snapshot from Redis or reads MySQL at once.
			r.log.Debug("follow: a snapshot this leader did not write, and none of its own to put back", "via", via)
			return
		}
		if r.newStranger(data) {
			r.log.Warn("follow: a snapshot this leader did not write; its own put back", "via", via)
		} else {
			// The same bytes again: the put-back did not land (a damaged fence, said once
			// by the role); each check would warn of it anew.
			r.log.Debug("follow: the same stranger's snapshot again; its own put back", "via", via)
		}
		// Counted and shown as any replica's refusal when implausible; never copied.
		snap, err := worldstate.Read(data)
		plausible := err == nil && r.local.Check(data, snap, via)
		if plausible {
			// Followers may have copied the stranger already: the put-back must pass its
			// seq, or they refuse it as older and show the stranger's snapshot (players
			// null, probe [] from an origin's refill) until the next publish passes it,
			// seconds later when the stranger's clock runs ahead of this one.
			r.passSeq(snap.Seq)
		}
		if err := leader.Unsaid(r.Republish(ctx)); err != nil {
			r.log.Warn("follow: put the leader's snapshot back", "via", via, "err", err)
		}
		if plausible && r.newerRead(snap) {
			r.kick()
		}
		return
	}
	snap, err := worldstate.Read(data)
	if err != nil {
		r.log.Warn("follow: not a snapshot", "via", via, "err", err)
		return
	}
	wrote, err := r.local.Copy(data, snap, via)
	if err != nil {
		r.log.Error("follow: write STATUS_DIR", "via", via, "err", err)
		return
	}
	if wrote {
		r.metrics.Synced(via)
		r.log.Info("snapshot copied", "via", via, "updated_at", snap.UpdatedAt)
	}
}

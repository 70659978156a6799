package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"statusedge/internal/harness/edgetest"
	"statusedge/internal/harness/harnesstest"
	hstack "statusedge/internal/harness/stack"
	"statusedge/internal/history"
	"statusedge/internal/snapshot"
)

// deployment is one statusedge deployment of a test: a leader and a follower on their
// own MariaDB schema, telling apart by its RateExp and whether the game server is online.
type deployment struct {
	name   string  // STATUS_DEPLOYMENT
	db     int     // its Redis db
	exp    float64 // its RateExp
	online bool    // its ServerStatus
	fleet  *hstack.Fleet
	rdb    *redis.Client // on its db
	// ownMinutes counts the history documents seen that counted a minute of its own state.
	ownMinutes int
}

// TestDeploymentsApartOnTwoDBs (issue 27, defect 1): two deployments with the default
// name on db 0 and db 3 of one Redis server share every channel (pub/sub spans the dbs);
// neither may copy the other's snapshot, and neither leader may fight the other's.
func TestDeploymentsApartOnTwoDBs(t *testing.T) {
	t.Parallel() // its own servers; 20 s of watching
	testDeploymentsApart(t, []*deployment{{db: 0, exp: 11, online: true}, {db: 3, exp: 999}})
}

// TestDeploymentsApartOnOneDB: two deployments on one db of one Redis server, kept apart
// by STATUS_DEPLOYMENT alone (a Cluster has db 0 only).
func TestDeploymentsApartOnOneDB(t *testing.T) {
	t.Parallel() // its own servers; 20 s of watching
	testDeploymentsApart(t, []*deployment{{name: "alpha", db: 5, exp: 33, online: true}, {name: "beta", db: 5, exp: 777}})
}

// testDeploymentsApart runs each deployment (a leader and a follower at a 2-s interval)
// on one real Redis server and one MariaDB, then watches them for 20 s, every 200 ms: no
// status.json (leader's and follower's), snapshot key or history document ever holds the
// other's data, and each lease keeps its first holder.
func testDeploymentsApart(t *testing.T, ds []*deployment) {
	bin := fleetBin(t)
	db := harnesstest.MariaDB(t)
	r := harnesstest.Redis(t)
	seed := harnesstest.DemoSeed(t)
	for i, d := range ds {
		schema := fmt.Sprintf("tz_%d", i)
		status := 0
		if d.online {
			status = 1
		}
		harnesstest.DB(t, db, schema, seed+fmt.Sprintf("\nUPDATE constants SET Value = '%g' WHERE Name = 'RateExp';\nUPDATE constants SET Value = '%d' WHERE Name = 'ServerStatus';\n", d.exp, status))
		env := fleetEnv(db, map[string]string{"REDIS_URL": fmt.Sprintf("redis://%s/%d", r.Addr(), d.db), "DB_NAME": schema})
		if d.name != "" {
			env["STATUS_DEPLOYMENT"] = d.name
		}
		d.rdb = redis.NewClient(&redis.Options{Addr: r.Addr(), DB: d.db, DialTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second})
		t.Cleanup(func() { d.rdb.Close() })
		d.fleet = startFleet(t, bin, env, 2, 0)
	}
	holders := make([]string, len(ds))
	since := make([]time.Time, len(ds)) // when each holder was first seen: its tenure's figure
	for i, d := range ds {
		leaderOf(t, d.fleet, 15*time.Second)
		harnesstest.Eventually(t, 15*time.Second, harnesstest.Every(50*time.Millisecond, "deployment "+strconv.Itoa(i)), func(ctx context.Context) error {
			var err error
			if holders[i], err = d.rdb.HGet(ctx, d.layout().Fleet().Leader, "holder").Result(); err != nil {
				return fmt.Errorf("lease: %w", err)
			}
			return d.look(ctx)
		})
		since[i] = time.Now()
	}
	end := time.Now().Add(20 * time.Second)
	looks := 0
	for tick := time.NewTicker(200 * time.Millisecond); time.Now().Before(end); <-tick.C {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		for i, d := range ds {
			if err := d.look(ctx); err != nil {
				t.Errorf("deployment %d (%q, db %d) after %d looks: %v", i, d.name, d.db, looks, err)
			}
			if h, err := d.rdb.HGet(ctx, d.layout().Fleet().Leader, "holder").Result(); err != nil || h != holders[i] {
				t.Errorf("deployment %d's lease holder = %q (%v), want its first leader %q", i, h, err, holders[i])
			}
		}
		cancel()
		looks++
		if t.Failed() {
			return
		}
	}
	for i, d := range ds {
		if d.ownMinutes == 0 {
			t.Errorf("deployment %d: no history document counted a minute of its own state: its history was never checked", i)
		}
	}
	t.Logf("%d looks over 20 s at each deployment's two STATUS_DIRs, snapshot key and history", looks)
	for i, d := range ds {
		t.Logf("deployment %d (%q, db %d, RateExp %g): leader %s held the lease throughout, %s since first seen; %d readings of its history documents showed its own minutes (none the other's)",
			i, d.name, d.db, d.exp, holders[i], time.Since(since[i]).Round(time.Millisecond), d.ownMinutes)
	}
}

func (d *deployment) layout() snapshot.Deployment { return snapshot.Deployment(d.name) }

// look checks that everything of d shows d's own data: status.json on both replicas and
// the snapshot key (RateExp), and the history documents both replicas published (the
// online deployment's never counts a minute down, the offline one's never one up).
func (d *deployment) look(ctx context.Context) error {
	l := d.layout().Legacy()
	data, err := d.rdb.Get(ctx, l.Status).Bytes()
	if err != nil {
		return fmt.Errorf("redis get %s: %w", l.Status, err)
	}
	if err := d.own("redis "+l.Status, data); err != nil {
		return err
	}
	for _, m := range d.fleet.Snapshotters {
		data, err := os.ReadFile(filepath.Join(m.StatusDir, snapshot.FileName))
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		if err := d.own(m.Name+" status.json", data); err != nil {
			return err
		}
		body, ok, err := edgetest.Served(m.StatusDir, l.HistoryDoc, time.Now())
		if err != nil || !ok {
			continue // not published yet (the historian's first pass)
		}
		var doc history.Document
		if err := json.Unmarshal(body, &doc); err != nil {
			return fmt.Errorf("%s history: %w", m.Name, err)
		}
		for _, day := range doc.Days {
			if (d.online && day.Down > 0) || (!d.online && day.Up > 0) {
				return fmt.Errorf("%s history %s: up %d, down %d: the other deployment's minutes (this one is online: %v)",
					m.Name, day.Date, day.Up, day.Down, d.online)
			}
			if (d.online && day.Up > 0) || (!d.online && day.Down > 0) {
				d.ownMinutes++
			}
		}
	}
	return nil
}

// own says whether data is a snapshot of d's.
func (d *deployment) own(what string, data []byte) error {
	s, err := snapshot.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if s.Rates.Exp != d.exp || s.Online != d.online {
		return fmt.Errorf("%s: RateExp %g, online %v: want this deployment's %g, %v", what, s.Rates.Exp, s.Online, d.exp, d.online)
	}
	return nil
}

package redisconn

import (
	"errors"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Damage remembers what was said of each damaged key (one holding what no statusedge
// program writes there), so that it is said once: a pass meeting the same damage every
// few seconds (a probe round, a refresh, a historian pass) would otherwise log it all
// day. A key is told again when what it holds changes, or when it was sound (Sound) and
// broke again. The zero value is ready to use.
type Damage struct {
	mu   sync.Mutex
	seen map[string]string // key -> what was last said of it
}

// News reports whether what (the damage found in key) is not what was last said of key,
// and records it: the caller logs it when true.
func (d *Damage) News(key, what string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if said, ok := d.seen[key]; ok && said == what {
		return false
	}
	if d.seen == nil {
		d.seen = map[string]string{}
	}
	d.seen[key] = what
	return true
}

// Sound forgets what was said of key, which holds what it should again, and reports
// whether anything had been (the caller may say it is repaired).
func (d *Damage) Sound(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.seen[key]
	delete(d.seen, key)
	return ok
}

// WrongType says whether err is Redis refusing a key that holds another type (WRONGTYPE):
// damage to that key, not a connection's failure.
func WrongType(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr) && strings.HasPrefix(rerr.Error(), "WRONGTYPE")
}

// DelRepair is the command that repairs key by deleting it on the deployment's own server
// and database (cli: CLI of its client), quoted for a shell (keys carry braces).
func DelRepair(cli, key string) string { return "`" + cli + " DEL '" + key + "'`" }

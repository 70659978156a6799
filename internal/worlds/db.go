package worlds

import (
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"statusedge/internal/config"
)

// OpenDB opens the world's MySQL pool (it connects on first use), every dial/read/write
// bounded by timeout like config.Config.OpenDB, logger as there: its DSN when set (with the
// timeouts and charset utf8mb4 applied, keeping its own user/password/address/db), else the
// shared server of base with DBName = Schema. Errors never carry a password.
func (w World) OpenDB(base config.Config, timeout time.Duration, logger mysql.Logger) (*sql.DB, error) {
	mc, err := w.mysqlConfig(base, timeout)
	if err != nil {
		return nil, err
	}
	if logger != nil {
		mc.Logger = logger // this pool's own: the driver's default is one per process
	}
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("world %q: mysql: %s", w.ID, w.scrub(base, err))
	}
	return sql.OpenDB(conn), nil
}

// mysqlConfig is the driver config OpenDB connects with.
func (w World) mysqlConfig(base config.Config, timeout time.Duration) (*mysql.Config, error) {
	if w.DSN == "" {
		// The shared server: config's own DSN, so that both paths to it connect alike.
		shared := base
		shared.DBName = w.Schema
		mc, err := mysql.ParseDSN(shared.DSN(timeout))
		if err != nil {
			return nil, fmt.Errorf("world %q: mysql: %s", w.ID, w.scrub(base, err))
		}
		return mc, nil
	}
	mc, err := mysql.ParseDSN(w.DSN)
	if err != nil {
		return nil, fmt.Errorf("world %q: database.dsn: %s", w.ID, w.scrub(base, err))
	}
	mc.Timeout, mc.ReadTimeout, mc.WriteTimeout = timeout, timeout, timeout
	// The status holds Russian names and descriptions; a DSN's own charset or collation
	// would garble them, so the one config.DSN uses wins.
	if err := mc.Apply(mysql.Charset("utf8mb4", "")); err != nil {
		return nil, fmt.Errorf("world %q: mysql: %s", w.ID, w.scrub(base, err))
	}
	return mc, nil
}

// scrub is err's message without the world's DSN password or base's secrets.
func (w World) scrub(base config.Config, err error) string {
	return scrubDSN(base.Redact(err).Error(), w.DSN)
}

// scrubDSN takes dsn's password out of msg. It works on a DSN the driver cannot parse
// too, taking the password as the driver would: between the first ':' and the last '@'
// before the database's '/'.
func scrubDSN(msg, dsn string) string {
	if dsn == "" {
		return msg
	}
	var secrets []string
	if mc, err := mysql.ParseDSN(dsn); err == nil {
		secrets = append(secrets, mc.Passwd)
	}
	cred := dsn
	if slash := strings.LastIndex(cred, "/"); slash >= 0 {
		cred = cred[:slash]
	}
	if at := strings.LastIndex(cred, "@"); at >= 0 {
		cred = cred[:at]
		if colon := strings.Index(cred, ":"); colon >= 0 {
			secrets = append(secrets, cred[colon+1:])
		}
	} else if colon := strings.Index(cred, ":"); colon >= 0 {
		// No '@' (a mangled DSN): anything after the first ':' may be a password.
		secrets = append(secrets, cred[colon+1:])
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		// Also as %q would print it, since some driver messages quote a value.
		msg = strings.ReplaceAll(msg, s, "xxxxx")
		if q := strconv.Quote(s); len(q) > 2 {
			msg = strings.ReplaceAll(msg, q[1:len(q)-1], "xxxxx")
		}
	}
	return msg
}

// DBAddr describes where the world's `constants` live without any password, for logs and
// the debug endpoint: host:port/db.table.
func (w World) DBAddr(base config.Config) string {
	mc, err := w.mysqlConfig(base, time.Second)
	if err != nil {
		return "(unusable DSN)"
	}
	return mc.Addr + "/" + mc.DBName + "." + w.Table
}

// String names the world and where it reads, without its DSN password or webhook URL,
// so that printing a World with %v leaks no secret.
func (w World) String() string {
	where := "schema " + w.Schema
	if w.DSN != "" {
		where = "own DSN"
	}
	return fmt.Sprintf("world %q (%s, table %s, probe %v)", w.ID, where, w.Table, w.Probe.Targets)
}

// LogValue is the world in a log line, without its secrets.
func (w World) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", w.ID), slog.String("schema", w.Schema), slog.Bool("own_dsn", w.DSN != ""),
		slog.String("table", w.Table), slog.Any("probe", w.Probe.Targets), slog.Bool("webhook", w.WebhookURL != ""))
}

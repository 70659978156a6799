package harness

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MariaDB is a throwaway server with an empty-password root, reachable over TCP.
type MariaDB struct {
	Host string
	Port int
	Dir  string
	*Process
}

// StartMariaDB initialises a data folder under dir and starts mariadbd on a free port.
func StartMariaDB(dir string) (*MariaDB, error) {
	installDB, err := need("mariadb-install-db", "mariadb-server")
	if err != nil {
		return nil, err
	}
	mariadbd, err := need("mariadbd", "mariadb-server")
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	// A private tmpdir: servers sharing /tmp collide on temp-table names, which failed
	// mariadb-install-db when several test packages started MariaDB at once.
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, err
	}
	serverArgs := []string{"--tmpdir=" + tmp}
	if os.Geteuid() == 0 {
		serverArgs = append(serverArgs, "--user=root")
	}
	install := exec.Command(installDB, append([]string{"--no-defaults", "--datadir=" + data,
		"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"}, serverArgs...)...)
	install.Env = append(os.Environ(), "TMPDIR="+tmp)
	if out, err := install.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mariadb-install-db: %w\n%s", err, out)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	p, err := startListening("mariadbd", filepath.Join(dir, "mariadbd.log"), mariadbd, loopback(port), 60*time.Second,
		append([]string{"--no-defaults", "--datadir=" + data, "--port=" + strconv.Itoa(port),
			"--bind-address=127.0.0.1", "--socket=" + filepath.Join(dir, "mariadb.sock"),
			"--pid-file=" + filepath.Join(dir, "mariadb.pid"), "--skip-name-resolve", "--skip-log-bin",
			"--innodb-buffer-pool-size=32M", "--character-set-server=utf8mb4",
			"--max-connections=500"}, serverArgs...)...)
	if err != nil {
		return nil, err
	}
	m := &MariaDB{Host: "127.0.0.1", Port: port, Dir: dir, Process: p}
	// Listening is not answering: on a loaded machine mariadbd accepts a moment before
	// it completes a handshake, and a first statement then fails "invalid connection".
	if err := m.waitAnswering(60 * time.Second); err != nil {
		m.Stop()
		return nil, err
	}
	return m, nil
}

// waitAnswering waits until the server completes a handshake and a ping.
func (m *MariaDB) waitAnswering(within time.Duration) error {
	root, err := m.Root("")
	if err != nil {
		return err
	}
	defer root.Close()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := root.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mariadbd listening on %s but not answering within %v: %w", m.Addr(), within, err)
		}
		time.Sleep(50 * time.Millisecond) // polls the server, which has no signal to wait on
	}
}

// Addr is host:port.
func (m *MariaDB) Addr() string { return loopback(m.Port) }

// Root opens a root connection to db ("" for none) that accepts several statements per Exec.
func (m *MariaDB) Root(db string) (*sql.DB, error) {
	c := mysql.NewConfig()
	c.User, c.Net, c.Addr, c.DBName = "root", "tcp", m.Addr(), db
	c.MultiStatements = true
	c.Timeout, c.ReadTimeout, c.WriteTimeout = 5*time.Second, 30*time.Second, 30*time.Second
	c.Params = map[string]string{"charset": "utf8mb4"}
	return sql.Open("mysql", c.FormatDSN())
}

// CreateDB creates db and runs the statements in seed (may be empty) inside it.
func (m *MariaDB) CreateDB(ctx context.Context, db, seed string) error {
	root, err := m.Root("")
	if err != nil {
		return err
	}
	defer root.Close()
	if _, err := root.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+db+"` CHARACTER SET utf8mb4"); err != nil {
		return fmt.Errorf("create database %s: %w", db, err)
	}
	if seed == "" {
		return nil
	}
	conn, err := m.Root(db)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, seed); err != nil {
		return fmt.Errorf("seed %s: %w", db, err)
	}
	return nil
}

// Selects is the server's Com_select counter: how many SELECTs reached it.
func (m *MariaDB) Selects(ctx context.Context) (int, error) { return m.Status(ctx, "Com_select") }

// Status reads one of the server's global status counters.
func (m *MariaDB) Status(ctx context.Context, name string) (int, error) {
	root, err := m.Root("")
	if err != nil {
		return 0, err
	}
	defer root.Close()
	var k string
	var v int
	err = root.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE '"+name+"'").Scan(&k, &v)
	return v, err
}

// Stop shuts the server down.
func (m *MariaDB) Stop() { m.Process.Stop(30 * time.Second) }

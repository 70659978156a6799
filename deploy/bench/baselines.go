package main

import (
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"statusedge/internal/config"
	"statusedge/internal/harness"
	"statusedge/internal/snapshot"
	"strconv"
	"time"
)

// startBare runs a minimal nginx serving the same status.json bytes: the ceiling.
func startBare(dir string, data []byte, workers string) (*harness.Nginx, error) {
	bdir := filepath.Join(dir, "bare")
	if err := os.MkdirAll(filepath.Join(bdir, "www"), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(bdir, "www", snapshot.FileName), data, 0o644); err != nil {
		return nil, err
	}
	port, err := harness.FreePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	conf := fmt.Sprintf(`worker_processes %[3]s;
error_log stderr warn;
pid %[1]s/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %[1]s/client_body_temp;
    proxy_temp_path %[1]s/proxy_temp;
    fastcgi_temp_path %[1]s/fastcgi_temp;
    uwsgi_temp_path %[1]s/uwsgi_temp;
    scgi_temp_path %[1]s/scgi_temp;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    types { application/json json; }
    server {
        listen %[2]s;
        location = /status.json { root %[1]s/www; }
    }
}
`, bdir, addr, workers)
	return harness.StartNginxConf(bdir, []byte(conf), addr)
}

// startNaive serves the design users run today: one SELECT per page view.
func startNaive(env map[string]string, conns int) (string, func(), error) {
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return "", nil, err
	}
	db, err := sql.Open("mysql", cfg.DSN(5*time.Second))
	if err != nil {
		return "", nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := snapshot.ReadRows(r.Context(), db)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		snap, _ := snapshot.Build(rows, time.Now(), cfg.TTL)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(snap.Encode())
	})}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/", func() { srv.Close(); db.Close() }, nil
}

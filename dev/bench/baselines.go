package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"statusedge/internal/config"
	"statusedge/internal/harness"
	"statusedge/internal/snapshot"
	"statusedge/internal/worldstate"
)

// bare is the ceiling: a server block added to the stack's own nginx, serving a copy of
// the snapshot's bytes with the same mtime from two locations: the bare location
// (try_files + expires modified, what the public one must reach 0.9 of) and a stricter
// one with nothing but a root.
type bare struct {
	dir, url, rootURL, server string
	// fileCacheBareURL is the bare location with open_file_cache (valid 1 s): the real
	// ceiling of a path that keeps open files.
	fileCacheBareURL string
	// The public location's lookup with one thing changed, on the same document folder:
	// no symlink check, and nginx's open_file_cache within the 1-s freshness bound.
	noSymlinkURL, fileCacheURL string
	// The degraded path (no fresh name on disk) by the designs issue 29 compared, on the
	// same document folder and the stack's shield: before (per-second cache key, lock,
	// no file cache) and the micro-cache without the file cache.
	degradedBeforeURL, degradedNoFileCacheURL string
}

// degradedVariant is the public location's degraded path for one document folder: the
// failed opens of every level, stale.json, then the origin through the stack's shield
// and cache zone with %[4]s as the cache directives; %[1]s names it, %[2]s is the
// folder, %[3]s the file-cache directives, %[5]s the document.
const degradedVariant = `location = /%[1]s.json {
            set $status_doc %[5]s;
            root %[2]s;
            disable_symlinks on from=%[6]s;
            %[3]s
            rewrite ^ /1-$status_at1.json break;
            error_page 301 403 404 500 = @%[1]s_rest;
            log_not_found off;
            recursive_error_pages on;
        }
        location @%[1]s_rest {
            root %[2]s;
            disable_symlinks on from=%[6]s;
            %[3]s
            try_files /0-$status_at0.json /2-$status_at2.json /3-$status_at3.json /4-$status_at4.json /5-$status_at5.json /stale.json @%[1]s_origin;
            log_not_found off;
        }
        location @%[1]s_origin {
            rewrite ^ /$status_doc break;
            proxy_pass http://statusedge_shield;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache statusedge_origin;
            proxy_cache_methods GET HEAD;
            proxy_ignore_headers Cache-Control Expires Set-Cookie;
            proxy_connect_timeout 500ms;
            proxy_read_timeout 900ms;
            %[4]s
            proxy_intercept_errors on;
            error_page 500 502 503 504 = @%[1]s_last;
            add_header X-Status-Source origin;
        }
        location @%[1]s_last {
            root %[2]s;
            try_files /last.json =503;
            add_header Cache-Control "no-cache" always;
            add_header X-Status-Source file-stale always;
        }`

// The cache directives of the two designs measured beside the template's.
const (
	cacheBefore = `proxy_cache_key %[1]s-$status_doc-$status_at0; proxy_cache_lock on; proxy_cache_lock_timeout 50ms; proxy_cache_valid 200 1s;`
	cacheMicro  = `proxy_cache_key %[1]s-$status_doc; proxy_cache_lock on; proxy_cache_lock_timeout 1s; proxy_cache_valid 200 500 502 503 504 1s; proxy_cache_use_stale updating; proxy_cache_background_update on;`
	fileCache   = "open_file_cache max=64 inactive=10s; open_file_cache_valid 1s; open_file_cache_errors on;"
)

// variant is the public location's disk path (nginx/site.conf.tmpl, "first", "rest"
// and "fromdisk") for one document folder, with other symlink and file-cache directives,
// for measuring what they cost or save: %[1]s names it, %[2]s is the folder, %[3]s the
// directives, %[4]d the hint. Its fallback past the window is a 404.
const variant = `location = /%[1]s.json {
            root %[2]s;
            rewrite ^ /1-$status_at1.json break;
            error_page 301 403 404 500 = @%[1]s_rest;
            %[3]s
            expires modified +%[4]ds;
            add_header Cache-Control "public, stale-if-error=86400";
            add_header X-Status-Source file;
            add_header Access-Control-Allow-Origin "*" always;
            add_header Access-Control-Expose-Headers X-Status-Source always;
            add_header X-Content-Type-Options nosniff always;
            etag on; if_modified_since exact; max_ranges 0;
            gzip on; gzip_types application/json; gzip_vary on; gzip_min_length 256;
            log_not_found off;
        }
        location @%[1]s_rest {
            root %[2]s;
            try_files /0-$status_at0.json /2-$status_at2.json /3-$status_at3.json /4-$status_at4.json /5-$status_at5.json =404;
            %[3]s
            expires modified +%[4]ds;
            log_not_found off;
        }`

func newBare(dir, docDir, doc string, interval int) (*bare, error) {
	b := &bare{dir: filepath.Join(dir, "bare")}
	if err := os.MkdirAll(filepath.Join(b.dir, "root"), 0o755); err != nil {
		return nil, err
	}
	addr, err := harness.FreeAddr()
	if err != nil {
		return nil, err
	}
	f := snapshot.FileName
	b.url, b.rootURL = "http://"+addr+"/"+f, "http://"+addr+"/root/"+f
	b.fileCacheBareURL = "http://" + addr + "/ofc/" + f
	b.noSymlinkURL, b.fileCacheURL = "http://"+addr+"/nosymlinkcheck.json", "http://"+addr+"/filecache.json"
	b.degradedBeforeURL, b.degradedNoFileCacheURL = "http://"+addr+"/degraded-before.json", "http://"+addr+"/degraded-nofilecache.json"
	statusDir := filepath.Dir(docDir)
	b.server = fmt.Sprintf(`    server {
        listen %[1]s;
        location = /%[2]s { root %[3]s; try_files /%[2]s =404; expires modified +%[4]ds; }
        location = /root/%[2]s { root %[3]s; }
        location = /ofc/%[2]s { root %[3]s; try_files /%[2]s =404; expires modified +%[4]ds; open_file_cache max=64 inactive=10s; open_file_cache_valid 1s; open_file_cache_errors on; }
        %[5]s
        %[6]s
        %[7]s
        %[8]s
    }`, addr, f, b.dir, interval,
		fmt.Sprintf(variant, "nosymlinkcheck", docDir, "disable_symlinks off; open_file_cache off;", interval),
		fmt.Sprintf(variant, "filecache", docDir, "disable_symlinks on from="+statusDir+"; "+fileCache, interval),
		fmt.Sprintf(degradedVariant, "degraded-before", docDir, "open_file_cache off;", fmt.Sprintf(cacheBefore, "before"), doc, statusDir),
		fmt.Sprintf(degradedVariant, "degraded-nofilecache", docDir, "open_file_cache off;", fmt.Sprintf(cacheMicro, "nofilecache"), doc, statusDir))
	return b, nil
}

// fill writes the bytes the public location serves, with its mtime.
func (b *bare) fill(data []byte, mtime time.Time) error {
	for _, p := range []string{filepath.Join(b.dir, snapshot.FileName), filepath.Join(b.dir, "root", snapshot.FileName)} {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			return err
		}
	}
	return nil
}

// startNaive serves the design users run today: one SELECT per page view.
func startNaive(env map[string]string, conns int) (string, func(), error) {
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return "", nil, err
	}
	db, err := cfg.OpenDB(5*time.Second, nil)
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
		rows, err := snapshot.ReadRows(r.Context(), db, cfg.MaxSnapshot)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		built, _ := snapshot.Build(rows, time.Now(), cfg.TTL)
		snap := worldstate.Published(built, nil, nil)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(snap.Encode())
	})}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/", func() { srv.Close(); db.Close() }, nil
}

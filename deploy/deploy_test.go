// Package deploy_test checks the files in deploy/, which holds only what an operator
// installs or runs (Dockerfile, systemd units, SQL, env example, rendered nginx files,
// install-deps.sh) and is no Go package: the tests read the files as an operator gets them.
package deploy_test

import (
	"context"
	"database/sql"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.yaml.in/yaml/v3"

	"statusedge/internal/config"
	"statusedge/internal/harness"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
	"statusedge/nginx"
)

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(harnesstest.ModuleRoot(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type compose struct {
	Services map[string]struct {
		Image       string                            `yaml:"image"`
		Build       *struct{ Args map[string]string } `yaml:"build"`
		Environment map[string]string                 `yaml:"environment"`
		Ports       []string                          `yaml:"ports"`
		Volumes     []string                          `yaml:"volumes"`
		Healthcheck *struct{ Test []string }          `yaml:"healthcheck"`
		Restart     string                            `yaml:"restart"`
		ReadOnly    bool                              `yaml:"read_only"`
	} `yaml:"services"`
	Volumes map[string]any                   `yaml:"volumes"`
	Secrets map[string]struct{ File string } `yaml:"secrets"`
}

func TestComposeAgreesWithPrograms(t *testing.T) {
	var c compose
	if err := yaml.Unmarshal([]byte(read(t, "docker-compose.yml")), &c); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	want := []string{"mariadb", "nginx", "origin", "redis", "snapshotter"}
	var got []string
	for name, s := range c.Services {
		got = append(got, name)
		if s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 {
			t.Errorf("%s has no healthcheck", name)
		}
		if s.Restart != "unless-stopped" {
			t.Errorf("%s restart = %q", name, s.Restart)
		}
		if len(s.Ports) > 0 && name != "nginx" {
			t.Errorf("%s publishes ports %v; only nginx may", name, s.Ports)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("services = %v, want %v", got, want)
	}
	docker := nginx.DockerParams()
	known := config.Names()
	for _, name := range []string{"snapshotter", "origin"} {
		s := c.Services[name]
		if s.Build == nil || s.Build.Args["PROGRAM"] != name {
			t.Errorf("%s is not built from deploy/Dockerfile with PROGRAM=%s", name, name)
		}
		for k := range s.Environment {
			if !slices.Contains(known, k) {
				t.Errorf("%s sets %s, which the programs do not read", name, k)
			}
		}
		if s.Environment["STATUS_DIR"] != docker.StatusDir {
			t.Errorf("%s STATUS_DIR = %q, nginx serves %q", name, s.Environment["STATUS_DIR"], docker.StatusDir)
		}
		mode := ":ro"
		if name == "snapshotter" {
			mode = ""
		}
		if !slices.Contains(s.Volumes, "status:"+docker.StatusDir+mode) {
			t.Errorf("%s volumes %v lack status:%s%s", name, s.Volumes, docker.StatusDir, mode)
		}
		// The program checks at start the very file nginx runs, for its own settings.
		if conf := s.Environment[nginx.ConfEnv]; !slices.Contains(s.Volumes, "./deploy/docker/nginx.conf:"+conf+":ro") {
			t.Errorf("%s: %s=%q is not the nginx file nginx mounts (volumes %v)", name, nginx.ConfEnv, conf, s.Volumes)
		}
		env := s.Environment
		cfg, err := config.Load(func(k string) string {
			if k == "DB_PASSWORD_FILE" {
				return "" // a container secret, not on this machine
			}
			return env[k]
		})
		if err != nil {
			t.Fatalf("%s environment: %v", name, err)
		}
		if err := nginx.Check(filepath.Join(harnesstest.ModuleRoot(t), "deploy/docker/nginx.conf"),
			nginx.Contract{StatusDir: cfg.StatusDir, Interval: cfg.Interval}); err != nil {
			t.Errorf("%s would refuse to start: %v", name, err)
		}
		if !s.ReadOnly {
			t.Errorf("%s root filesystem is not read-only", name)
		}
		if hc := s.Healthcheck.Test; hc[1] != "/statusedge" || hc[2] != "-healthcheck" {
			t.Errorf("%s healthcheck = %v, want the program's own -healthcheck", name, hc)
		}
	}
	if _, port, _ := strings.Cut(c.Services["origin"].Environment["ORIGIN_ADDR"], ":"); docker.OriginAddr != "origin:"+port {
		t.Errorf("nginx proxies to %s, origin listens on port %s", docker.OriginAddr, port)
	}
	ng := c.Services["nginx"]
	if !slices.Equal(ng.Ports, []string{docker.Listen + ":" + docker.Listen}) {
		t.Errorf("nginx ports %v, config listens on %s", ng.Ports, docker.Listen)
	}
	for _, v := range []string{
		"./deploy/docker/nginx.conf:/etc/nginx/nginx.conf:ro",
		"./deploy/www:" + docker.PageDir + ":ro", // the page, the widget and /embed (nginx.Assets)
		"status:" + docker.StatusDir + ":ro",
	} {
		if !slices.Contains(ng.Volumes, v) {
			t.Errorf("nginx volumes %v lack %s", ng.Volumes, v)
		}
		if src, _, _ := strings.Cut(v, ":"); strings.HasPrefix(src, "./") {
			if _, err := os.Stat(filepath.Join(harnesstest.ModuleRoot(t), src)); err != nil {
				t.Errorf("nginx mounts %s: %v", src, err)
			}
		}
	}
	if _, ok := c.Volumes["status"]; !ok {
		t.Error("no shared status volume")
	}
	if f := c.Secrets["db_password"].File; f == "" {
		t.Error("no db_password secret")
	} else {
		checkSecret(t, filepath.Join(harnesstest.ModuleRoot(t), f))
	}
	if !slices.Contains(c.Services["mariadb"].Volumes, "./deploy/seed.sql:/docker-entrypoint-initdb.d/10-seed.sql:ro") {
		t.Error("MariaDB is not seeded with deploy/seed.sql")
	}
}

// TestDockerfileBuildsWhatMakeBuilds builds the Go part with the Dockerfile's own command
// and checks the result: the flags of `make build`, a static binary, a non-root user.
func TestDockerfileBuildsWhatMakeBuilds(t *testing.T) {
	df := read(t, "deploy/Dockerfile")
	m := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 go build (.*) -o /out/statusedge) \./\$\{PROGRAM\}$`).FindStringSubmatch(df)
	if m == nil {
		t.Fatal("no `CGO_ENABLED=0 go build ... -o /out/statusedge ./${PROGRAM}` in deploy/Dockerfile")
	}
	mk := read(t, "Makefile")
	// The flags the tests and make run build with, as a shell line.
	var flags []string
	for _, f := range harness.BuildFlags() {
		if strings.Contains(f, " ") {
			f = "'" + f + "'"
		}
		flags = append(flags, f)
	}
	if want := strings.Join(flags, " "); m[2] != want || !strings.Contains(mk, "LDFLAGS := -s -w") ||
		!strings.Contains(mk, "build -trimpath -ldflags '$(LDFLAGS)'") || !strings.Contains(mk, "export CGO_ENABLED := 0") {
		t.Errorf("Dockerfile builds with %q, the harness with %q; Makefile's build must match both", m[2], want)
	}
	if !regexp.MustCompile(`(?m)^USER 65532:65532$`).MatchString(df) || !strings.Contains(df, `ENTRYPOINT ["/statusedge"]`) {
		t.Error("runtime stage must run as 65532 (non-root) with /statusedge as entrypoint")
	}
	for _, program := range []string{"snapshotter", "origin"} {
		out := filepath.Join(t.TempDir(), "statusedge")
		cmd := exec.Command("go", slices.Concat([]string{"build"}, harness.BuildFlags(), []string{"-o", out, "./" + program})...)
		cmd.Dir = harnesstest.ModuleRoot(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", program, err, b)
		}
		f, err := elf.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked: it will not run on distroless/static", program)
			}
		}
		f.Close()
		help, _ := exec.Command(out, "-h").CombinedOutput()
		if !strings.Contains(string(help), "-healthcheck") {
			t.Errorf("%s has no -healthcheck flag for the compose healthcheck:\n%s", program, help)
		}
	}
}

// TestHostSitePassesNginxT checks the host site inside Debian's own nginx.conf, and the
// Docker config, with nginx -t: stock nginx, no scripting module, no version on answers.
func TestHostSitePassesNginxT(t *testing.T) {
	debianConf, err := os.ReadFile("/etc/nginx/nginx.conf")
	if err != nil {
		t.Fatalf("Debian's nginx.conf: %v: install nginx (`apt-get install nginx`)", err)
	}
	if os.Geteuid() != 0 {
		t.Fatal("nginx -t of Debian's nginx.conf opens /var/log/nginx and /run: run as root (CI does)")
	}
	for _, f := range []string{"deploy/host/statusedge.conf", "deploy/docker/nginx.conf"} {
		conf := read(t, f)
		if strings.Contains(conf, "js_") || strings.Contains(conf, "load_module") {
			t.Errorf("%s needs a scripting module", f)
		}
		if n := strings.Count(conf, "server {"); strings.Count(conf, "server_tokens off;") < n {
			t.Errorf("%s: %d server blocks, fewer server_tokens off", f, n)
		}
	}
	dir := t.TempDir()
	p := nginx.HostParams()
	p.StatusDir, p.PageDir = filepath.Join(dir, "www"), filepath.Join(dir, "page")
	// The cache's parent must exist on Debian: nginx creates only the last folder.
	if _, err := os.Stat(filepath.Dir(p.CacheDir)); err != nil {
		t.Errorf("the host site's proxy_cache_path parent: %v", err)
	}
	p.CacheDir = filepath.Join(dir, "cache")
	site, err := nginx.Site(p)
	if err != nil {
		t.Fatal(err)
	}
	sitePath := filepath.Join(dir, "statusedge.conf")
	if err := os.WriteFile(sitePath, site, 0o644); err != nil {
		t.Fatal(err)
	}
	conf := strings.Replace(string(debianConf), "include /etc/nginx/sites-enabled/*;", "include "+sitePath+";", 1)
	if conf == string(debianConf) {
		t.Fatal("Debian's nginx.conf has no sites-enabled include to stand in for")
	}
	// Debian's nginx.conf loads whatever modules-enabled holds: keep that out, so the site
	// is checked against the bare package.
	conf = strings.Replace(conf, "include /etc/nginx/modules-enabled/*.conf;", "", 1)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("nginx", "-t", "-c", confPath).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t with the host site: %v\n%s", err, out)
	}

	// The Docker config, with the image's paths pointed at this machine's.
	d := nginx.DockerParams()
	d.Prefix, d.OriginAddr = filepath.Join(dir, "docker"), "127.0.0.1:8091"
	d.StatusDir, d.PageDir, d.CacheDir = p.StatusDir, p.PageDir, filepath.Join(dir, "dcache")
	if err := os.MkdirAll(d.Prefix, 0o755); err != nil {
		t.Fatal(err)
	}
	dconf, err := nginx.Standalone(d)
	if err != nil {
		t.Fatal(err)
	}
	dpath := filepath.Join(d.Prefix, "nginx.conf")
	if err := os.WriteFile(dpath, dconf, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := harness.CheckNginx(d.Prefix, dpath); err != nil {
		t.Fatal(err)
	}
}

func TestSystemdUnits(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatal("systemd-analyze not found: install it with `apt-get install systemd`")
	}
	bin := t.TempDir()
	if err := harness.BuildPrograms(context.Background(), bin); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, program := range []string{"snapshotter", "origin"} {
		name := "statusedge-" + program + ".service"
		unit := read(t, "deploy/systemd/"+name)
		for _, want := range []string{"User=statusedge", "NoNewPrivileges=yes", "ProtectSystem=strict", "Restart=on-failure",
			"EnvironmentFile=/etc/statusedge/statusedge.env", "ExecStart=/usr/local/bin/" + "statusedge-" + program} {
			if !strings.Contains(unit, want+"\n") {
				t.Errorf("%s lacks %s", name, want)
			}
		}
		rw := regexp.MustCompile(`(?m)^ReadWritePaths=(.*)$`).FindAllStringSubmatch(unit, -1)
		switch {
		case program == "snapshotter" && (len(rw) != 1 || rw[0][1] != "/var/lib/statusedge/www"):
			t.Errorf("%s ReadWritePaths = %v, want only STATUS_DIR", name, rw)
		case program == "origin" && len(rw) != 0:
			t.Errorf("%s may write %v; it only reads", name, rw)
		}
		// verify checks that ExecStart exists: point it at the binary just built.
		unit = strings.Replace(unit, "/usr/local/bin/statusedge-"+program, filepath.Join(bin, program), 1)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(unit), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(analyze, "verify", filepath.Join(dir, name)).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", name, err, out)
		}
	}
}

// TestSeedAndReadOnlyGrant loads the seed and the read-only user into a real MariaDB:
// the user reads `constants` and nothing else.
func TestSeedAndReadOnlyGrant(t *testing.T) {
	m := harnesstest.MariaDB(t)
	harnesstest.DB(t, m, "tzserver", harnesstest.DemoSeed(t))
	grant := strings.Replace(read(t, "deploy/readonly-user.sql"), "'change-me'", "'ro-Pa55'", 1)
	harnesstest.DB(t, m, "tzserver", grant)
	harnesstest.DB(t, m, "other", "CREATE TABLE secrets (x INT); INSERT INTO secrets VALUES (1)")

	c := mysql.NewConfig()
	c.User, c.Passwd, c.Net, c.Addr, c.DBName = "statusedge", "ro-Pa55", "tcp", m.Addr(), "tzserver"
	c.Timeout, c.ReadTimeout = 5*time.Second, 5*time.Second
	db, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := snapshot.ReadRows(ctx, db, config.DefaultMaxSnapshot)
	if err != nil {
		t.Fatalf("read-only user cannot read constants: %v", err)
	}
	snap, fallbacks := snapshot.Build(rows, time.Now(), time.Minute)
	if len(fallbacks) != 0 || snap.Rates.Exp != 2.5 || snap.Meta["RateExp"] != "Множитель опыта" {
		t.Errorf("seeded snapshot = %+v, fallbacks %v", snap, fallbacks)
	}
	for _, stmt := range []string{
		"UPDATE constants SET Value='9' WHERE Name='RateExp'",
		"INSERT INTO constants VALUES ('X','1','x')",
		"DELETE FROM constants",
		"SELECT * FROM other.secrets",
		"CREATE TABLE t (x INT)",
	} {
		if _, err := db.ExecContext(ctx, stmt); err == nil {
			t.Errorf("read-only user could run %q", stmt)
		}
	}
}

// checkSecret: the operator writes the secret file (README); the repository ships only its
// example, and git ignores the real one, so a password never lands in a commit.
func checkSecret(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path + ".example"); err != nil {
		t.Errorf("secret example: %v", err)
	}
	rel, err := filepath.Rel(harnesstest.ModuleRoot(t), path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "check-ignore", "-q", "--no-index", rel)
	cmd.Dir = harnesstest.ModuleRoot(t)
	if err := cmd.Run(); err != nil {
		t.Errorf("%s is not ignored by git: a real password would be committed (%v)", rel, err)
	}
	docker := read(t, ".dockerignore")
	if !strings.Contains(docker, "deploy/secrets") || !strings.Contains(docker, ".git") {
		t.Error(".dockerignore must keep deploy/secrets and .git out of the build context")
	}
}

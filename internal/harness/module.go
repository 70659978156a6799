package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// BuildFlags are the go build flags of `make build` and deploy/Dockerfile (a deploy test
// checks all three agree), with CGO_ENABLED=0.
func BuildFlags() []string { return []string{"-trimpath", "-ldflags", "-s -w"} }

// BuildPrograms builds the snapshotter and origin into dir as `make build` does.
func BuildPrograms(ctx context.Context, dir string) error {
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	args := slices.Concat([]string{"build"}, BuildFlags(), []string{"-o", dir + "/", "./snapshotter", "./origin"})
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// ModuleRoot is the folder holding go.mod.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the statusedge module")
	}
	return filepath.Dir(gomod), nil
}

// DemoPlayersQuery is the STATUS_PLAYERS_QUERY for DemoSeed's `characters` table, which
// has DemoPlayers online: `make run` counts them, so the demo page shows a player count.
const DemoPlayersQuery = "SELECT COUNT(*) FROM characters WHERE online = 1"

// DemoPlayers is how many of DemoSeed's characters are online.
const DemoPlayers = 3

// DemoSeed is deploy/seed.sql, the demo `constants` that docker-compose seeds MariaDB
// with. It is read from the checkout at run time, like BuildPrograms builds from it, so
// that tests, `make run` and compose load the very same rows while deploy/ stays a folder
// of operator files rather than a Go package.
func DemoSeed() (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(root, "deploy", "seed.sql"))
	if err != nil {
		return "", fmt.Errorf("demo seed: %w", err)
	}
	return string(b), nil
}

// Programs builds the snapshotter and origin once for a test process, on the first Dir,
// so that a package's many stacks share one build (a link takes seconds under -race's
// load); Cleanup, from TestMain, removes it.
type Programs struct {
	once sync.Once
	dir  string
	err  error
}

// Dir is the folder holding the built programs.
func (p *Programs) Dir(ctx context.Context) (string, error) {
	p.once.Do(func() {
		if p.dir, p.err = os.MkdirTemp("", "statusedge-programs-"); p.err == nil {
			p.err = BuildPrograms(ctx, p.dir)
		}
	})
	return p.dir, p.err
}

// Cleanup removes the built programs, if any were built.
func (p *Programs) Cleanup() {
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}

// Package deploy holds what operators install: the seed SQL, the env example, the
// Dockerfiles and systemd units. Go code embeds the seed so that tests, `make run` and
// docker-compose load the very same demo data.
package deploy

import _ "embed"

// SeedSQL creates and fills the demo `constants` table.
//
//go:embed seed.sql
var SeedSQL string

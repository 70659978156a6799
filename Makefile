# statusedge: `make run` starts the whole stack locally, `make test` runs every test
# against real MariaDB, Redis, nginx and Chromium (installing missing packages as root).
GO      ?= go
BIN     ?= bin
LDFLAGS := -s -w
export CGO_ENABLED := 0

.PHONY: all build test lint deps run run-worlds bench clean deploy-configs

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./snapshotter ./origin

deps:
	./deploy/install-deps.sh test

# lint beside the tests (a finding fails the run all the same; most of the tests wait on
# intervals rather than compute, so the two share the cores well).
# go test runs packages in the order given: the three longest first, so that they start at
# once rather than last (the stack's outage test waits out a 3-minute outage). Four
# packages (the three long ones, and the rest in turn beside them), and three of a
# package's parallel tests (fleets of their own servers, which mostly wait on
# intervals), at a time on 2 cores: the integration tests wait far more than they
# compute (CI's time, issues 20 and 21).
# build first: the tests of four packages build the programs as `make build` does, and
# with an empty Go build cache four concurrent cold builds of the same code cost minutes;
# after it, theirs come from the cache.
TEST_FIRST := ./snapshotter/ ./nginx/ ./internal/harness/stack/
test: deps build
	$(MAKE) lint & lint=$$!; \
	CGO_ENABLED=1 $(GO) test -race -count=1 -p 4 -parallel 3 -timeout 20m $(TEST_FIRST) $$($(GO) list ./... | grep -v -e '/snapshotter$$' -e '/nginx$$' -e '/internal/harness/stack$$'); \
	tests=$$?; wait $$lint && exit $$tests

lint:
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# exec: the launcher's parent is make itself, so a SIGTERM that ends make ends the stack.
# $(BIN)/localstack holds a slash, so the shell runs it by path: BIN may be relative or absolute.
run: build
	./deploy/install-deps.sh run
	$(GO) build -o $(BIN)/localstack ./dev/localstack
	exec $(BIN)/localstack -bin $(BIN)

# The same stack with three demo worlds (STATUS_WORLDS_FILE): three schemas, three fake game servers.
run-worlds: build
	./deploy/install-deps.sh run
	$(GO) build -o $(BIN)/localstack ./dev/localstack
	exec $(BIN)/localstack -bin $(BIN) -worlds

bench: build
	./deploy/install-deps.sh bench
	$(GO) test -run '^$$' -bench . -benchmem ./internal/snapshot ./origin
	$(GO) run ./dev/bench -bin $(BIN)
	$(GO) run ./dev/bench -bin $(BIN) -worlds 50 -merge bench-results.json

# The nginx files deployments use, rendered from nginx/ (a test checks they are current).
deploy-configs:
	$(GO) run ./dev/render

clean:
	rm -rf $(BIN)

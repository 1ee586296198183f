# Palisade: `make run` sets up and serves the embedded default; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
BIN       := bin/palisade
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
STATICCHECK_VERSION := v0.8.2
# Test runs: 'go test' flags; CI gets the race detector when a C compiler exists.
GOTESTFLAGS ?= -count=1

.PHONY: help
help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## download Go modules
	$(GO) mod download

.PHONY: ui
ui: ## install npm workspaces and build the web UI into backend/webui/dist (embedded by build)
	@scripts/node-deps.sh
	npm run build --silent --workspace frontend

.PHONY: build
build: deps ui ## build bin/palisade (with the web UI) and version information
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./backend/cmd/palisade

# make run uses ./palisade.yaml when present, else the bundled demo configuration.
RUN_CONFIG ?= $(if $(wildcard palisade.yaml),palisade.yaml,e2e/demo/palisade.yaml)

.PHONY: run
run: build ## build, start the demo identity provider, migrate and serve on http://127.0.0.1:8080
	@RUN_CONFIG=$(RUN_CONFIG) BIN=$(BIN) scripts/run.sh

.PHONY: test
test: ## run every test (provisions PostgreSQL when PALISADE_TEST_POSTGRES_DSN is unset)
	@scripts/test.sh $(GOTESTFLAGS)

.PHONY: bench
bench: ## run the benchmarks (each heavy one in its own process) and print a table against the budgets
	@scripts/bench.sh

.PHONY: lint
lint: ## go vet and staticcheck
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

.PHONY: fmt
fmt: ## gofmt the tree
	gofmt -w backend collectors e2e migrations

.PHONY: clean
clean: ## remove build outputs (keeps ./data)
	rm -rf bin

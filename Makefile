# gpunet: `make dev` brings the network up locally, `make test` runs every test.
# Program ids come from Anchor.toml; nothing here hard-codes them.

SHELL := /bin/bash
GO ?= go
NODE ?= node
CLANG ?= clang-19
HOSTCC ?= cc

# Quiet by default: one line per target; `make V=1` prints the full commands.
V ?= 0
ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = printf '  %-6s %s\n' '$(1)' '$(2)';
endif

LOCALNET_JS := localnet/dist/main.js
CLIENT_TS_JS := client/ts/dist/index.js
DEPS_STAMP := target/.deps

.PHONY: all deps build programs localnet-build client-ts-build localnet dev dev-bin dev-daemons down reset test-dev idl test test-go test-localnet test-validator test-c bench clean web test-web

all: build

# Installs toolchains and packages once; re-runs when the lock files change.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh scripts/venv.sh worker/gpuhelper/requirements.txt worker/ray/requirements.txt localnet/package-lock.json client/ts/package-lock.json internal/sbpf/testdata/deploy/package-lock.json go.sum
	$(Q)$(call say,DEPS,scripts/install-deps.sh)scripts/install-deps.sh
	@mkdir -p $(@D) && touch $@

build: deps programs localnet-build
	$(Q)$(call say,GO,build ./...)$(GO) build ./...

include programs/programs.mk

localnet-build: deps $(LOCALNET_JS)
$(LOCALNET_JS): $(shell find localnet/src -name '*.ts') localnet/tsconfig.json localnet/package-lock.json
	$(Q)$(call say,TSC,localnet)npm --prefix localnet run build --silent

# The TypeScript client @gpunet/client (client/ts), compiled for Node.
client-ts-build: deps $(CLIENT_TS_JS)
$(CLIENT_TS_JS): $(shell find client/ts/src -name '*.ts') client/ts/tsconfig.json client/ts/package-lock.json
	$(Q)$(call say,TSC,client/ts)npm --prefix client/ts run build --silent

# The web app (web/, Vite + React): npm ci and vite build into web/dist, which
# `go build -tags webapp` embeds (package web); without the tag a placeholder page is embedded.
WEB_STAMP := web/dist/index.html
web: $(WEB_STAMP)
$(WEB_STAMP): $(shell find web/src -type f) web/index.html web/package-lock.json web/vite.config.ts web/tsconfig.json $(shell find client/ts/src -name '*.ts')
	$(Q)$(call say,NPM,web ci)npm ci --prefix web --no-audit --no-fund --loglevel=error
	$(Q)$(call say,VITE,web build)npm --prefix web run build --silent

# The web app's tests: Vitest (formatting, transaction building), the Go side (embedding,
# deep links, web/openapi.json against the API's document), then the browser test (web/e2e:
# a localnet, the indexer and the API with the built app; Debian's /usr/bin/chromium driven
# by playwright-core; screenshots under target/test-artifacts/web).
test-web: deps programs localnet-build web
	$(Q)$(call say,TEST,web vitest)npm --prefix web test --silent
	$(Q)$(call say,TEST,go web + browser)$(GO) test -tags webapp -count=1 ./web/...

# Regenerates each program's C header and Go client (Go) and its TypeScript client (Node,
# Codama) from idl/*.json.
idl: deps
	$(Q)$(call say,GEN,idl/*.json -> C headers and Go clients)$(GO) run ./cmd/idlgen
	$(Q)$(call say,GEN,idl/*.json -> TypeScript clients)npm --prefix client/ts run generate --silent

# The local chain in the foreground, with every program in target/deploy deployed.
localnet: programs localnet-build
	$(Q)$(NODE) $(LOCALNET_JS) --state target/localnet/state

# The whole network on embedded defaults (internal/devnet): a quiet build, the localnet on
# 8899/8900 (chain kept in target/localnet/state), the programs configured, PostgreSQL on 5433
# (data kept in target/dev/postgres), the daemons of internal/devnet.DevDaemons, a table of
# what runs (also target/dev/network.json), in the foreground until Ctrl-C or `make down`.
# A second `make dev` is refused before anything is built or written.
DEV_BIN := target/bin/gpunet-dev
dev:
	@if [ -x $(DEV_BIN) ]; then $(DEV_BIN) up --check; fi
	@$(MAKE) --no-print-directory dev-bin
	@$(DEV_BIN) up --build '$(MAKE) --no-print-directory build dev-daemons' $(if $(filter 1,$(V)),--verbose)

dev-bin:
	@$(GO) build -o $(DEV_BIN) ./cmd/gpunet-dev

# make dev's daemons (internal/devnet.DevDaemons) and the gpunet CLI, into target/bin/.
# gpunet-indexer embeds the web app (make web) and serves it with the explorer API.
dev-daemons: web
	$(Q)$(call say,GO,build cmd/gpunet cmd/gpunet-oracle cmd/gpunet-worker cmd/gpunet-keeper)$(GO) build -o target/bin/ ./cmd/gpunet ./cmd/gpunet-oracle ./cmd/gpunet-worker ./cmd/gpunet-keeper
	$(Q)$(call say,GO,build cmd/gpunet-indexer with the web app)$(GO) build -tags webapp -o target/bin/ ./cmd/gpunet-indexer

# Stops a running `make dev`; reset also deletes the chain and PostgreSQL's data (logs and the
# workers' keys are kept).
down: dev-bin
	@$(DEV_BIN) down

reset: dev-bin
	@$(DEV_BIN) reset

# `make dev` under a pseudo-terminal: Ctrl-C exits 0 and leaves no process (about 20 s
# with everything built; needs 8899/8900 free).
test-dev: build dev-bin
	$(Q)$(call say,TEST,make dev + Ctrl-C)GPUNET_TEST_MAKE_DEV=1 $(GO) test -count=1 -run TestMakeDevCtrlC ./internal/devnet/

test: deps programs localnet-build client-ts-build test-c fuzz test-go test-localnet
	$(MAKE) test-validator
	$(MAKE) test-dev
	$(MAKE) test-web

test-go:
	$(Q)$(call say,TEST,go ./...)$(GO) test ./...

# The localnet's conformance, then the TypeScript clients (Anchor TS and @gpunet/client) on it.
test-localnet:
	$(Q)$(call say,TEST,localnet)npm --prefix localnet test
	$(Q)$(call say,TEST,client/ts)npm --prefix client/ts test

# The end-to-end flow on Agave's solana-test-validator (../shared/tools; skipped loudly when
# absent, required under CI).
test-validator: deps programs localnet-build
	$(Q)$(call say,TEST,solana-test-validator flow)scripts/test-validator.sh

# The linker's speed, and compute units per instruction measured on the localnet (each
# program benchmark sends its instructions once: CU are deterministic, not timed), and the
# proof of compute's prover and verifier (n = 4096's CPU multiply alone is ~11 s on 2 cores),
# its multiply through the helper process (numpy here; CUDA in scripts/gpu-check.sh), and the
# scheduler: 10,000 requests against 100,000 devices on one core; making and removing the
# end-to-end test's three hosts (harness.LAN: network namespaces, as root); and the indexer:
# its writer next to a raw COPY of the same rows, its lag behind the tip at 200 tx/s, and the
# explorer API at 64 connections over 100,000 devices.
bench: deps programs localnet-build
	$(Q)$(call say,BENCH,internal/sbpf)$(GO) test ./internal/sbpf/ -run '^$$' -bench .
	$(Q)$(call say,BENCH,programs)$(GO) test ./programs/... -run '^$$' -bench . -benchtime 1x
	$(Q)$(call say,BENCH,internal/poc)$(GO) test ./internal/poc/ -run '^$$' -bench .
	$(Q)$(call say,BENCH,oracle)$(GO) test ./oracle/... -run '^$$' -bench .
	$(Q)$(call say,BENCH,internal/scheduler)$(GO) test ./internal/scheduler/ -run '^$$' -bench . -cpu 1
	$(Q)$(call say,BENCH,worker/gpuhelper)$(GO) test ./worker/gpuhelper/ -run '^$$' -bench .
	$(Q)$(call say,BENCH,internal/harness)$(GO) test ./internal/harness/ -run '^$$' -bench .
	$(Q)$(call say,BENCH,indexer/store)$(GO) test ./indexer/store/ -run '^$$' -bench .
	$(Q)$(call say,BENCH,indexer/ingest)$(GO) test ./indexer/ingest/ -run '^$$' -bench . -benchtime 1x
	$(Q)$(call say,BENCH,indexer/api)$(GO) test ./indexer/api/ -run '^$$' -bench .

clean:
	rm -rf target localnet/dist client/ts/dist

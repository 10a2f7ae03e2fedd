# gpunet: `make dev` brings the network up locally, `make test` runs every test.
# Program ids come from Anchor.toml; nothing here hard-codes them.

SHELL := /bin/bash
GO ?= go
NODE ?= node
CLANG ?= clang-19
HOSTCC ?= cc

LOCALNET_JS := localnet/dist/main.js
CLIENT_TS_JS := client/ts/dist/index.js
DEPS_STAMP := target/.deps

.PHONY: all deps build programs localnet-build client-ts-build localnet dev idl test test-go test-localnet test-validator test-c bench clean

all: build

# Installs toolchains and packages once; re-runs when the lock files change.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh localnet/package-lock.json client/ts/package-lock.json internal/sbpf/testdata/deploy/package-lock.json go.sum
	scripts/install-deps.sh
	@mkdir -p $(@D) && touch $@

build: deps programs localnet-build
	$(GO) build ./...

include programs/programs.mk

localnet-build: deps $(LOCALNET_JS)
$(LOCALNET_JS): $(shell find localnet/src -name '*.ts') localnet/tsconfig.json localnet/package-lock.json
	npm --prefix localnet run build --silent

# The TypeScript client @gpunet/client (client/ts), compiled for Node.
client-ts-build: deps $(CLIENT_TS_JS)
$(CLIENT_TS_JS): $(shell find client/ts/src -name '*.ts') client/ts/tsconfig.json client/ts/package-lock.json
	npm --prefix client/ts run build --silent

# Regenerates each program's C header and Go client (Go) and its TypeScript client (Node,
# Codama) from idl/*.json.
idl: deps
	$(GO) run ./cmd/idlgen
	npm --prefix client/ts run generate --silent

# The local chain in the foreground, with every program in target/deploy deployed.
localnet: programs localnet-build
	$(NODE) $(LOCALNET_JS) --state target/localnet/state

# The whole network on embedded defaults: localnet, programs deployed and configured.
dev: build
	scripts/dev.sh

test: deps programs localnet-build client-ts-build test-c fuzz test-go test-localnet
	$(MAKE) test-validator

test-go:
	$(GO) test ./...

# The localnet's conformance, then the TypeScript clients (Anchor TS and @gpunet/client) on it.
test-localnet:
	npm --prefix localnet test
	npm --prefix client/ts test

# The end-to-end flow on Agave's solana-test-validator (../shared/tools; skipped loudly when
# absent, required under CI).
test-validator: deps programs localnet-build
	scripts/test-validator.sh

# The linker's speed, and compute units per instruction measured on the localnet (each
# program benchmark sends its instructions once: CU are deterministic, not timed).
bench: deps programs localnet-build
	$(GO) test ./internal/sbpf/ -run '^$$' -bench .
	$(GO) test ./programs/... -run '^$$' -bench . -benchtime 1x

clean:
	rm -rf target localnet/dist client/ts/dist

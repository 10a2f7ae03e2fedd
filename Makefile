# gpunet: `make dev` brings the network up locally, `make test` runs every test.
# Program ids come from Anchor.toml; nothing here hard-codes them.

SHELL := /bin/bash
GO ?= go
NODE ?= node
CLANG ?= clang-19
HOSTCC ?= cc

LOCALNET_JS := localnet/dist/main.js
DEPS_STAMP := target/.deps

.PHONY: all deps build programs localnet-build localnet dev idl test test-go test-localnet test-validator test-c bench clean

all: build

# Installs toolchains and packages once; re-runs when the lock files change.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh localnet/package-lock.json internal/sbpf/testdata/deploy/package-lock.json go.sum
	scripts/install-deps.sh
	@mkdir -p $(@D) && touch $@

build: deps programs localnet-build
	$(GO) build ./...

include programs/programs.mk

localnet-build: deps $(LOCALNET_JS)
$(LOCALNET_JS): $(shell find localnet/src -name '*.ts') localnet/tsconfig.json localnet/package-lock.json
	npm --prefix localnet run build --silent

# Regenerates each program's C header and Go client from idl/*.json.
idl:
	$(GO) run ./cmd/idlgen

# The local chain in the foreground, with every program in target/deploy deployed.
localnet: programs localnet-build
	$(NODE) $(LOCALNET_JS) --state target/localnet/state

# The whole network on embedded defaults: localnet, programs deployed and configured.
dev: build
	scripts/dev.sh

test: deps programs localnet-build test-c fuzz test-go test-localnet
	$(MAKE) test-validator

test-go:
	$(GO) test ./...

test-localnet:
	npm --prefix localnet test

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
	rm -rf target localnet/dist

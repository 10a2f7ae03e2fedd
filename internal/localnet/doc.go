// Package localnet starts the gpunet local chain (localnet/dist/main.js: a Solana
// JSON-RPC + PubSub server on LiteSVM) for tests and tools.
//
// Start(t) gives each test its own chain on free ports with temporary state and keys
// directories and stops it at t.Cleanup; Launch/Close do the same without a test,
// for a TestMain that shares one chain per package and for make dev (internal/devnet).
// It imports no `testing`: Start takes a harness.TB. The package builds nothing: run
// `make localnet-build` (or `npm --prefix localnet ci && npm --prefix localnet run build`)
// first.
//
// It serves on 127.0.0.1; WithHost(lan.Addr()) serves it on a harness.LAN's bridge address
// instead, where the LAN's network namespaces reach it too.
//
// Every key the localnet uses is a DEV-ONLY key derived from a public seed; Key(name)
// reads them from the node's keys directory.
package localnet

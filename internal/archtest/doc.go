// Package archtest holds tests of the repository's architecture rather than of one package:
//
//   - every PDA seed and every program error code is written once, in idl/*.json, and reaches
//     C and Go by generation: hand-written code names REGISTRY_SEED_CONFIG or
//     registry.SeedConfig, REGISTRY_ERR_UNAUTHORIZED or registry.ErrUnauthorized, never
//     "config" or 6100 (TestNoSeedOrErrorCodeLiterals);
//   - client/ is importable from any module: a Go program in a module of its own reads the
//     registry's Config and gets named errors through it (TestClientFromAnotherModule);
//   - the layers of docs/architecture.md hold, read from `go list -deps -json`: daemons
//     independent of each other and of cmd/, a chain layer that knows no program, a
//     standalone client/, pure packages without I/O, cgo only at the NVML edge, testing
//     only in tests (TestLayers, one subtest per rule; TestLayerRules shows each rule
//     catching its violation in a module of its own);
//   - go.mod is tidy, its direct requirements marked direct (TestGoModTidy).
package archtest

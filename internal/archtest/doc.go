// Package archtest holds tests of the repository's architecture rather than of one package:
//
//   - every PDA seed and every program error code is written once, in idl/*.json, and reaches
//     C and Go by generation: hand-written code names REGISTRY_SEED_CONFIG or
//     registry.SeedConfig, REGISTRY_ERR_UNAUTHORIZED or registry.ErrUnauthorized, never
//     "config" or 6100 (TestNoSeedOrErrorCodeLiterals);
//   - client/ is importable from any module: a Go program in a module of its own reads the
//     registry's Config and gets named errors through it (TestClientFromAnotherModule).
package archtest

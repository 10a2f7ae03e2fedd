// @gpunet/client: gpunet's programs for @solana/kit, one namespace per program, generated with
// Codama from idl/*.json (src/generated, by `make idl`).
export * as economy from "./generated/economy";
export * as escrow from "./generated/escrow";
export * as registry from "./generated/registry";

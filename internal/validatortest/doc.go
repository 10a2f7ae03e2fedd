// Package validatortest runs gpunet's end-to-end flow on Agave's own solana-test-validator
// instead of the localnet: the three programs loaded at their Anchor.toml ids with the
// upgrade authority their initialize instructions check, the localnet's genesis accounts
// preloaded, the programs configured by internal/localdev, then a device registered, staked
// and proven, a job from creation to close, a reward claim and a failing instruction decoded
// by name, with exact balances. `make test-validator` runs it (the flow is skipped unless
// GPUNET_TEST_VALIDATOR names the binary).
package validatortest

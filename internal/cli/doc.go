// Package cli is the plumbing gpunet's command lines share, following the Solana CLI: the
// -u/--url monikers, the defaults taken from the Solana CLI's config file (RPC URL, keypair,
// commitment) and the --output formats (a readable default, json, json-compact).
package cli

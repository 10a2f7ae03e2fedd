// Package idl reads gpunet's Anchor-format (0.30+) IDL files, checks them (discriminators,
// program address, zero-copy layouts) and generates from them the C header each on-chain
// program includes and the Go client packages (through anchor-go's generator).
//
// The IDL is the single source of truth: accounts and events are zero-copy structs whose
// natural C layout must equal their borsh encoding, so on-chain code reads them in place
// and off-chain code decodes them with any Anchor client.
package idl

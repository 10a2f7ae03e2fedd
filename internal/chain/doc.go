// Package chain is gpunet's Solana client layer: it builds, signs, sends and confirms
// transactions with retries and blockhash-expiry handling, and turns a failed transaction
// into a typed error that names the program's error from its IDL.
//
// Every daemon and test talks to the chain through a *Client, whatever the cluster: the
// localnet, devnet or mainnet.
package chain

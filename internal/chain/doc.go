// Package chain is gpunet's Solana client layer: every daemon, tool and test talks to a
// cluster (the localnet, devnet, mainnet) through a *Client, built with New(url, options...)
// (WithCommitment, WithPollInterval, WithRetry, WithWebsocket). The raw RPC client stays
// inside: each call gets the client's commitment, retries of transient failures, and typed
// errors that name a program's error from its IDL (RegisterErrors, safe for concurrent use).
//
// Consumers depend on small interfaces that *Client satisfies: Reader (AccountData and
// Accounts, batched by getMultipleAccounts at 100 per call, in order, nil for a missing
// account), Scanner (ProgramAccounts with Memcmp and DataSize filters) and Sender (Send).
//
// Signers: a Signer is a public key that signs messages. A solana.PrivateKey is one;
// LoadKeypair reads a Solana CLI keypair file; Presigned (or ParsePresigned "PUBKEY=SIG", as
// the Solana CLI's --signer) carries a signature made elsewhere and refuses a message it
// does not sign.
//
// Transactions go through separate steps: Build (unsigned, on a recent blockhash or a durable
// nonce), Sign (any subset of signers; it returns the ones still absent, and EncodeBase64 or
// EncodeBase58 hands the partly signed transaction to another wallet, DecodeTransaction takes
// it back), SendSigned (send and confirm at the client's commitment). Send is the three in
// one.
//
// Durable nonces: CreateNonceAccount makes a nonce account; Build with WithNonce puts
// AdvanceNonceAccount first and the stored nonce in place of the blockhash, so an offline
// signer can take minutes or days. Such a transaction is confirmed by watching the nonce
// account, not the block height: once the nonce has moved and the signature is unknown, the
// transaction cannot land, and sending it again returns ErrNonceAdvanced.
//
// Stream delivers every transaction that mentions an address (signature, slot, error, logs)
// to a handler exactly once and in chain order, starting after a cursor the caller stores.
// It subscribes to logsSubscribe and, on every connection, backfills from the cursor with
// getSignaturesForAddress and getTransaction; a dropped websocket is reconnected with backoff.
package chain

// Package jobsecret carries a job's Ray token from the head's worker to the renter and to
// the job's other workers, so that nobody else learns it: the head draws a 32-byte random
// Token and seals it to each recipient's X25519 public key with the job's address as
// associated data; only that recipient can open it, and only for that job.
//
// Keys: the renter's is per job, drawn at random (NewKey) or derived from a wallet's
// signature over WalletMessage(job) (KeyFromSignature), so a browser wallet can recover it
// without storing anything. A device's key is its Solana ed25519 key converted to X25519
// (DevicePublicKey, DeviceKey), exactly as libsodium's crypto_sign_ed25519_pk_to_curve25519
// and crypto_sign_ed25519_sk_to_curve25519 do.
//
// A sealed box: ephemeral X25519 public key (32 bytes) || ChaCha20-Poly1305 ciphertext of
// the token (32 + 16 bytes). The AEAD key is HKDF-SHA256 over the X25519 shared secret,
// salt = ephemeral public key || recipient public key, info = "gpunet job token v1"; the
// nonce is zero (each key seals one message) and the associated data the job's 32-byte
// address. Pure: no I/O.
package jobsecret

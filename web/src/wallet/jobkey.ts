// The renter's per-job key and the job's Ray token, as internal/jobsecret makes them: the key
// is derived from the wallet's signature over a fixed message naming the job (so the browser
// stores nothing and any device with the wallet recovers it), the token comes sealed to it.
import { x25519 } from "@noble/curves/ed25519.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { getAddressEncoder, type Address } from "@solana/kit";
import type { Wallet, WalletAccount } from "@wallet-standard/base";
import { SolanaSignMessage, type SolanaSignMessageFeature } from "@solana/wallet-standard-features";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** walletMessage is jobsecret.WalletMessage(job): what the wallet signs to derive the job's key. */
export function walletMessage(job: Address): string {
  const bytes = new Uint8Array(getAddressEncoder().encode(job));
  return `gpunet job key v1\nSign to derive the key that receives this job's Ray token. It moves no funds.\njob: ${hex(bytes)}`;
}

/** keyFromSignature is jobsecret.KeyFromSignature: SHA-512(signature)'s first half, clamped. */
export function keyFromSignature(sig: Uint8Array): { priv: Uint8Array; pub: Uint8Array } {
  if (sig.length !== 64) throw new Error("a signature is 64 bytes");
  const k = sha512(sig).slice(0, 32);
  k[0] &= 248;
  k[31] &= 127;
  k[31] |= 64;
  return { priv: k, pub: x25519.getPublicKey(k) };
}

/** jobKey has the wallet sign the job's message and derives its key from the signature. */
export async function jobKey(wallet: Wallet, account: WalletAccount, job: Address): Promise<{ priv: Uint8Array; pub: Uint8Array }> {
  const f = (wallet.features as Partial<SolanaSignMessageFeature>)[SolanaSignMessage];
  if (!f) throw new Error(`${wallet.name} cannot sign messages`);
  const [{ signature }] = await f.signMessage({ account, message: new TextEncoder().encode(walletMessage(job)) });
  return keyFromSignature(signature);
}

const info = new TextEncoder().encode("gpunet job token v1");

/** openToken is jobsecret.Open: the job's Ray token (64 hex digits) from its sealed box. */
export function openToken(priv: Uint8Array, sealed: Uint8Array, job: Address): string {
  if (sealed.length !== 32 + 32 + 16) throw new Error(`a sealed token is 80 bytes, not ${sealed.length}`);
  const eph = sealed.slice(0, 32);
  const shared = x25519.getSharedSecret(priv, eph);
  if (shared.every((b) => b === 0)) throw new Error("a low-order ephemeral key");
  const salt = new Uint8Array([...eph, ...x25519.getPublicKey(priv)]);
  const key = hkdf(sha256, shared, salt, info, 32);
  const aad = new Uint8Array(getAddressEncoder().encode(job));
  return hex(chacha20poly1305(key, new Uint8Array(12), aad).decrypt(sealed.slice(32)));
}

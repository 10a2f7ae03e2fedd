// Deterministic DEV-ONLY keypairs.
//
// Every localnet key is derived from a public seed:
//   ed25519 seed = sha256("gpunet localnet DEV-ONLY key: " + name)
// Anyone can recompute these secret keys. They exist so that tests, the Anchor.toml
// program ids and local tooling agree without sharing files. Never fund them or give
// them authority on devnet or mainnet.

import { createPrivateKey, createPublicKey, sign, type KeyObject } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeBase58 } from "./encoding/base58.js";
import { sha256 } from "./solana/tx.js";

export const DEV_KEY_PREFIX = "gpunet localnet DEV-ONLY key: ";

/** Names whose keypairs are written to the keys directory at start. */
export const DEV_KEY_NAMES = [
  "registry-program",
  "escrow-program",
  "economy-program",
  "upgrade-authority",
  "wallet",
  "admin",
  "io-mint",
  "iosd-mint",
  "treasury",
  "faucet",
  "keeper",
  "scheduler",
  "oracle-1",
  "oracle-2",
  "oracle-3",
  "identity",
] as const;

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export class Keypair {
  readonly publicKey: Uint8Array;
  readonly address: string;
  private readonly key: KeyObject;

  constructor(readonly seed: Uint8Array) {
    if (seed.length !== 32) throw new Error("ed25519 seed must be 32 bytes");
    this.key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
    const spki = createPublicKey(this.key).export({ format: "der", type: "spki" });
    this.publicKey = new Uint8Array(spki.subarray(spki.length - 32));
    this.address = encodeBase58(this.publicKey);
  }

  sign(message: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, message, this.key));
  }

  /** The Solana CLI keypair file format: 64 bytes, seed then public key. */
  toCliJson(): string {
    return JSON.stringify([...this.seed, ...this.publicKey]);
  }
}

const cache = new Map<string, Keypair>();

/** The DEV-ONLY keypair for a name (see the module comment). */
export function devKey(name: string): Keypair {
  let kp = cache.get(name);
  if (!kp) {
    kp = new Keypair(sha256(DEV_KEY_PREFIX + name));
    cache.set(name, kp);
  }
  return kp;
}

/** The program id the localnet uses for the Anchor.toml program NAME. */
export function programKey(name: string): Keypair {
  return devKey(`${name}-program`);
}

const README = `DEV-ONLY KEYS — PUBLIC, NEVER USE ON A REAL CLUSTER

Every keypair in this directory is derived by the gpunet localnet from a public seed:
  ed25519 seed = sha256("${DEV_KEY_PREFIX}" + name)
Anyone can recompute them. They are rewritten at every localnet start.
Files are Solana CLI keypair JSON (64-byte arrays).
`;

/** Writes every dev keypair (plus extra names) as <name>.json, mode 0600, dir 0700. */
export function writeDevKeys(dir: string, extra: string[] = []): Map<string, Keypair> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const out = new Map<string, Keypair>();
  for (const name of [...DEV_KEY_NAMES, ...extra]) {
    const kp = devKey(name);
    const file = join(dir, `${name}.json`);
    writeFileSync(file, kp.toCliJson(), { mode: 0o600 });
    chmodSync(file, 0o600);
    out.set(name, kp);
  }
  writeFileSync(join(dir, "README-DEV-ONLY-KEYS.txt"), README, { mode: 0o600 });
  return out;
}

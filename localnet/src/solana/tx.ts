// Wire-format transactions: parse legacy and v0 transactions, build and sign legacy ones.

import { createHash } from "node:crypto";
import { decodeBase58, encodeBase58 } from "../encoding/base58.js";
import { Keypair } from "../devkeys.js";

export interface CompiledIx {
  programIdIndex: number;
  accounts: number[];
  data: Uint8Array;
}

export interface LookupEntry {
  accountKey: string;
  writableIndexes: number[];
  readonlyIndexes: number[];
}

export interface ParsedTx {
  raw: Uint8Array;
  signatures: Uint8Array[];
  messageBytes: Uint8Array;
  version: "legacy" | 0;
  header: { numRequiredSignatures: number; numReadonlySignedAccounts: number; numReadonlyUnsignedAccounts: number };
  staticKeys: string[];
  recentBlockhash: string;
  instructions: CompiledIx[];
  lookups: LookupEntry[];
}

export class TxParseError extends Error {}

class Reader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}
  u8(): number {
    if (this.pos >= this.b.length) throw new TxParseError("unexpected end of transaction");
    return this.b[this.pos++];
  }
  shortvec(): number {
    let len = 0;
    for (let shift = 0; shift < 21; shift += 7) {
      const v = this.u8();
      len |= (v & 0x7f) << shift;
      if ((v & 0x80) === 0) return len;
    }
    throw new TxParseError("invalid compact-u16");
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.b.length) throw new TxParseError("unexpected end of transaction");
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  done(): boolean {
    return this.pos === this.b.length;
  }
}

export function parseTransaction(raw: Uint8Array): ParsedTx {
  const r = new Reader(raw);
  const nsig = r.shortvec();
  const signatures: Uint8Array[] = [];
  for (let i = 0; i < nsig; i++) signatures.push(r.bytes(64));
  const msgStart = r.pos;
  let version: "legacy" | 0 = "legacy";
  let first = r.u8();
  if (first & 0x80) {
    const v = first & 0x7f;
    if (v !== 0) throw new TxParseError(`unsupported transaction version ${v}`);
    version = 0;
    first = r.u8();
  }
  const header = { numRequiredSignatures: first, numReadonlySignedAccounts: r.u8(), numReadonlyUnsignedAccounts: r.u8() };
  const nkeys = r.shortvec();
  const staticKeys: string[] = [];
  for (let i = 0; i < nkeys; i++) staticKeys.push(encodeBase58(r.bytes(32)));
  const recentBlockhash = encodeBase58(r.bytes(32));
  const nix = r.shortvec();
  const instructions: CompiledIx[] = [];
  for (let i = 0; i < nix; i++) {
    const programIdIndex = r.u8();
    const na = r.shortvec();
    const accounts = [...r.bytes(na)];
    const dl = r.shortvec();
    instructions.push({ programIdIndex, accounts, data: Uint8Array.from(r.bytes(dl)) });
  }
  const lookups: LookupEntry[] = [];
  if (version === 0) {
    const nl = r.shortvec();
    for (let i = 0; i < nl; i++) {
      const accountKey = encodeBase58(r.bytes(32));
      const nw = r.shortvec();
      const writableIndexes = [...r.bytes(nw)];
      const nr = r.shortvec();
      const readonlyIndexes = [...r.bytes(nr)];
      lookups.push({ accountKey, writableIndexes, readonlyIndexes });
    }
  }
  if (!r.done()) throw new TxParseError("trailing bytes after transaction message");
  if (nsig !== header.numRequiredSignatures) throw new TxParseError("signature count does not match header");
  return {
    raw,
    signatures,
    messageBytes: raw.subarray(msgStart),
    version,
    header,
    staticKeys,
    recentBlockhash,
    instructions,
    lookups,
  };
}

/** Whether the account at index i of the combined key list is writable. */
export function isWritable(tx: ParsedTx, i: number, loadedWritable: number): boolean {
  const h = tx.header;
  const n = tx.staticKeys.length;
  if (i >= n) return i - n < loadedWritable;
  if (i < h.numRequiredSignatures) return i < h.numRequiredSignatures - h.numReadonlySignedAccounts;
  return i < n - h.numReadonlyUnsignedAccounts;
}

function shortvec(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    let b = n & 0x7f;
    n >>= 7;
    if (n === 0) {
      out.push(b);
      return out;
    }
    b |= 0x80;
    out.push(b);
  }
}

export interface Ix {
  programId: string;
  keys: { pubkey: string; isSigner: boolean; isWritable: boolean }[];
  data: Uint8Array;
}

/** Compiles and signs a legacy transaction (used for genesis, deploy and airdrops). */
export function buildLegacyTx(payer: Keypair, ixs: Ix[], recentBlockhash: string, signers: Keypair[]): Uint8Array {
  type Meta = { signer: boolean; writable: boolean };
  const metas = new Map<string, Meta>();
  const touch = (k: string, signer: boolean, writable: boolean) => {
    const m = metas.get(k) ?? { signer: false, writable: false };
    m.signer ||= signer;
    m.writable ||= writable;
    metas.set(k, m);
  };
  touch(payer.address, true, true);
  for (const ix of ixs) {
    for (const k of ix.keys) touch(k.pubkey, k.isSigner, k.isWritable);
  }
  for (const ix of ixs) touch(ix.programId, false, false);
  const entries = [...metas.entries()];
  const rank = ([k, m]: [string, Meta]) => (k === payer.address ? -1 : (m.signer ? 0 : 2) + (m.writable ? 0 : 1));
  entries.sort((a, b) => rank(a) - rank(b));
  const keys = entries.map(([k]) => k);
  const numSigners = entries.filter(([, m]) => m.signer).length;
  const roSigned = entries.filter(([, m]) => m.signer && !m.writable).length;
  const roUnsigned = entries.filter(([, m]) => !m.signer && !m.writable).length;
  const msg: number[] = [numSigners, roSigned, roUnsigned, ...shortvec(keys.length)];
  for (const k of keys) msg.push(...decodeBase58(k));
  msg.push(...decodeBase58(recentBlockhash));
  msg.push(...shortvec(ixs.length));
  for (const ix of ixs) {
    msg.push(keys.indexOf(ix.programId));
    msg.push(...shortvec(ix.keys.length), ...ix.keys.map((k) => keys.indexOf(k.pubkey)));
    msg.push(...shortvec(ix.data.length), ...ix.data);
  }
  const message = Uint8Array.from(msg);
  const byAddr = new Map([payer, ...signers].map((s) => [s.address, s]));
  const sigs: number[] = [...shortvec(numSigners)];
  for (let i = 0; i < numSigners; i++) {
    const s = byAddr.get(keys[i]);
    if (!s) throw new Error(`missing signer ${keys[i]}`);
    sigs.push(...s.sign(message));
  }
  return Uint8Array.from([...sigs, ...message]);
}

export function sha256(...parts: (Uint8Array | string)[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

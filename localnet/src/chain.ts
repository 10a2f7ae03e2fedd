// The chain: LiteSVM plus what a validator adds around it — slots and blocks on a timer,
// a 150-block blockhash validity window, commitment levels, transaction execution with
// the metadata Solana records (fee, balances, token balances, logs, inner instructions),
// and a short window of account history so that `finalized` reads see finalized state.

import { EventEmitter } from "node:events";
import { createPublicKey, verify } from "node:crypto";
import { createRequire } from "node:module";
import type * as internal from "litesvm/dist/internal.js";
import type { Keypair } from "./devkeys.js";
import { decodeBase58, encodeBase58 } from "./encoding/base58.js";
import { Ledger, type BlockRecord, type TokenBalance, type TxMeta, type TxRecord, type UiInnerInstruction } from "./ledger.js";
import {
  ADDRESS_LOOKUP_TABLE_PROGRAM,
  ADVANCE_NONCE_ACCOUNT,
  COMPUTE_BUDGET_PROGRAM,
  FINALITY_DEPTH,
  LAMPORTS_PER_SIGNATURE,
  MAX_PROCESSING_AGE,
  NONCE_ACCOUNT_SIZE,
  SLOTS_PER_EPOCH,
  SYSTEM_PROGRAM,
} from "./solana/constants.js";
import { convertTxError, txErrorNamed, type TxError } from "./solana/errors.js";
import { isTokenProgram, unpackMint, unpackTokenAccount } from "./solana/token.js";
import { isWritable, parseTransaction, type ParsedTx } from "./solana/tx.js";

const require = createRequire(import.meta.url);
export const lite = require("litesvm/dist/internal.js") as typeof internal;
export type Svm = internal.LiteSvm;

export type Commitment = "processed" | "confirmed" | "finalized";

export interface AccountState {
  lamports: bigint;
  data: Uint8Array;
  owner: string;
  executable: boolean;
  rentEpoch: bigint;
}

export interface ExecOptions {
  /** Simulate only: nothing is committed. */
  simulate: boolean;
  /** Verify signatures (always true for real sends). */
  sigVerify: boolean;
  /** Skip the blockhash check (simulateTransaction replaceRecentBlockhash). */
  replaceRecentBlockhash: boolean;
  /** Reject a signature already in the ledger even when simulating (preflight). */
  checkDuplicate?: boolean;
}

export interface ExecResult {
  signature: string;
  /** False when the transaction failed before it could be charged a fee (never lands). */
  landed: boolean;
  err: TxError | null;
  meta: TxMeta;
  accountKeys: string[];
  /** Post-execution state of every account key (simulation and send). */
  post: Map<string, AccountState | null>;
}

/** What a closed block changed, for subscriptions. */
export interface BlockEvent {
  block: BlockRecord;
  txs: TxRecord[];
  /** Post-block state of each account written in the block. */
  accounts: Map<string, AccountState | null>;
}

interface WindowEntry {
  /** State of each account before its first write in this block. */
  pre: Map<string, AccountState | null>;
  /** State after the block closed (filled at close). */
  post: Map<string, AccountState | null> | null;
}

export class SignatureVerifyError extends Error {}

const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export function verifySignatures(tx: ParsedTx): boolean {
  for (let i = 0; i < tx.signatures.length; i++) {
    const pub = createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, decodeBase58(tx.staticKeys[i])]),
      format: "der",
      type: "spki",
    });
    if (!verify(null, tx.messageBytes, pub, tx.signatures[i])) return false;
  }
  return true;
}

function toState(a: internal.Account | null): AccountState | null {
  if (!a) return null;
  return {
    lamports: a.lamports(),
    data: a.data(),
    owner: encodeBase58(a.owner()),
    executable: a.executable(),
    rentEpoch: a.rentEpoch(),
  };
}

function sameState(a: AccountState | null, b: AccountState | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.lamports === b.lamports &&
    a.owner === b.owner &&
    a.executable === b.executable &&
    Buffer.from(a.data).equals(Buffer.from(b.data))
  );
}

/** Fee per Agave: 5,000 per signature (incl. precompile signatures) + priority fee. */
export function computeFee(tx: ParsedTx, accountKeys: string[]): bigint {
  let sigs = BigInt(tx.header.numRequiredSignatures);
  let unitLimit: bigint | null = null;
  let unitPrice = 0n;
  let nonBudget = 0n;
  for (const ix of tx.instructions) {
    const program = accountKeys[ix.programIdIndex];
    const d = ix.data;
    if (program === COMPUTE_BUDGET_PROGRAM) {
      const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
      if (d[0] === 2 && d.length >= 5) unitLimit = BigInt(v.getUint32(1, true));
      if (d[0] === 3 && d.length >= 9) unitPrice = v.getBigUint64(1, true);
      continue;
    }
    nonBudget++;
    if (
      (program === "Ed25519SigVerify111111111111111111111111111" ||
        program === "KeccakSecp256k11111111111111111111111111111" ||
        program === "Secp256r1SigVerify1111111111111111111111111") &&
      d.length > 0
    ) {
      sigs += BigInt(d[0]);
    }
  }
  const limit = unitLimit ?? (nonBudget * 200_000n > 1_400_000n ? 1_400_000n : nonBudget * 200_000n);
  const priority = (unitPrice * (limit > 1_400_000n ? 1_400_000n : limit) + 999_999n) / 1_000_000n;
  return sigs * LAMPORTS_PER_SIGNATURE + priority;
}

export class Chain extends EventEmitter {
  /** The open slot: transactions execute into it; processed == confirmed == this. */
  slot: number;
  private readonly blockhashSlot = new Map<string, number>();
  private readonly window = new Map<number, WindowEntry>();
  private airdropCounter = 0;
  /** Transactions in the ledger (getEpochInfo transactionCount). */
  get transactionCount(): number {
    return this.ledger.txs.size;
  }

  constructor(
    readonly svm: Svm,
    readonly ledger: Ledger,
    readonly identity: string,
  ) {
    super();
    this.setMaxListeners(0);
    svm.setSigverify(true);
    svm.setBlockhashCheck(false); // the window is enforced here (LiteSVM keeps one hash only)
    svm.setTransactionHistory(0n); // duplicates are detected here, against the ledger
    svm.setEpochSchedule(new lite.EpochSchedule(BigInt(SLOTS_PER_EPOCH), BigInt(SLOTS_PER_EPOCH), false, 0n, 0n));
    const last = [...ledger.blocks.keys()].reduce((a, b) => Math.max(a, b), -1);
    this.slot = last;
    for (let s = Math.max(ledger.firstSlot, last - 2 * MAX_PROCESSING_AGE); s <= last; s++) {
      const b = ledger.blocks.get(s);
      if (b) this.blockhashSlot.set(b.blockhash, s);
    }
  }

  /** Opens the first block of a new chain at slot 0. */
  openGenesis(): void {
    if (this.ledger.blocks.size > 0) throw new Error("ledger is not empty");
    this.openSlot(0, null);
  }

  /** Resumes a restored chain: its last block is closed and the next one opened. */
  resume(): void {
    this.openSlot(this.slot + 1, this.ledger.blocks.get(this.slot) ?? null);
  }

  private openSlot(slot: number, parent: BlockRecord | null): void {
    const now = Math.floor(Date.now() / 1000);
    const epoch = BigInt(Math.floor(slot / SLOTS_PER_EPOCH));
    const old = this.svm.getClock();
    const epochStart = old.epoch === epoch && slot !== 0 ? old.epochStartTimestamp : BigInt(now);
    this.svm.warpToSlot(BigInt(slot));
    this.svm.setClock(new lite.Clock(BigInt(slot), epochStart, epoch, epoch + 1n, BigInt(now)));
    if (parent) this.svm.expireBlockhash();
    const blockhash = this.svm.latestBlockhash();
    const block: BlockRecord = {
      slot,
      parentSlot: parent ? parent.slot : 0,
      blockhash,
      previousBlockhash: parent ? parent.blockhash : encodeBase58(new Uint8Array(32)),
      blockTime: now,
      blockHeight: parent ? parent.blockHeight + 1 : 0,
      signatures: [],
    };
    this.ledger.addBlock(block);
    this.blockhashSlot.set(blockhash, slot);
    this.window.set(slot, { pre: new Map(), post: null });
    this.slot = slot;
  }

  /** Closes the open block and opens the next: one tick of the slot timer. */
  tick(): void {
    const closing = this.ledger.blocks.get(this.slot)!;
    const entry = this.window.get(this.slot);
    const accounts = new Map<string, AccountState | null>();
    if (entry) {
      for (const addr of entry.pre.keys()) accounts.set(addr, this.account(addr));
      entry.post = accounts;
    }
    const txs = closing.signatures.map((s) => this.ledger.txs.get(s)!);
    this.openSlot(closing.slot + 1, closing);
    this.emit("block", { block: closing, txs, accounts } satisfies BlockEvent, "confirmed");
    const finalSlot = closing.slot - FINALITY_DEPTH;
    const fin = this.ledger.blocks.get(finalSlot);
    if (fin) {
      const fe = this.window.get(finalSlot);
      this.emit(
        "block",
        {
          block: fin,
          txs: fin.signatures.map((s) => this.ledger.txs.get(s)!),
          accounts: fe?.post ?? new Map(),
        } satisfies BlockEvent,
        "finalized",
      );
    }
    this.window.delete(finalSlot);
    for (const [h, s] of this.blockhashSlot) {
      if (this.slot - s > 2 * MAX_PROCESSING_AGE) this.blockhashSlot.delete(h);
    }
    this.emit("slot", { slot: this.slot, parent: closing.slot, root: this.finalizedSlot() });
  }

  finalizedSlot(): number {
    return Math.max(this.ledger.firstSlot, this.slot - FINALITY_DEPTH);
  }

  slotAt(c: Commitment): number {
    return c === "finalized" ? this.finalizedSlot() : this.slot;
  }

  blockAt(c: Commitment): BlockRecord {
    return this.ledger.blocks.get(this.slotAt(c))!;
  }

  /** Block height of the slot a commitment level sees. */
  blockHeightAt(c: Commitment): number {
    return this.blockAt(c).blockHeight;
  }

  /** Whether a blockhash can still be used at the given commitment's slot. */
  isBlockhashValid(hash: string, c: Commitment = "processed"): boolean {
    const s = this.blockhashSlot.get(hash);
    if (s === undefined) return false;
    const at = this.slotAt(c);
    return s <= at && at - s <= MAX_PROCESSING_AGE;
  }

  /**
   * Whether a transaction may still execute by age (Agave's check_transaction_age): its
   * blockhash is recent, or it is a durable-nonce transaction (first instruction the System
   * Program's AdvanceNonceAccount) whose nonce account, as c sees it, holds its blockhash.
   */
  isTxAgeValid(tx: ParsedTx, c: Commitment = "processed"): boolean {
    if (this.isBlockhashValid(tx.recentBlockhash, c)) return true;
    const ix = tx.instructions[0];
    const d = ix?.data;
    if (!ix || tx.staticKeys[ix.programIdIndex] !== SYSTEM_PROGRAM || d.length !== 4 || d[0] !== ADVANCE_NONCE_ACCOUNT || d[1] | d[2] | d[3]) return false;
    const addr = tx.staticKeys[ix.accounts[0]];
    const nonce = addr === undefined ? null : this.accountAt(addr, c);
    if (!nonce || nonce.owner !== SYSTEM_PROGRAM || nonce.data.length !== NONCE_ACCOUNT_SIZE) return false;
    const initialized = new DataView(nonce.data.buffer, nonce.data.byteOffset).getUint32(4, true) === 1;
    return initialized && encodeBase58(nonce.data.subarray(40, 72)) === tx.recentBlockhash;
  }

  /** Current state of an account. */
  account(addr: string): AccountState | null {
    let key: Uint8Array;
    try {
      key = decodeBase58(addr);
    } catch {
      return null;
    }
    if (key.length !== 32) return null;
    return toState(this.svm.getAccount(key));
  }

  /**
   * An account as a commitment level sees it: processed and confirmed see the current
   * state; finalized sees the state before the first write in any unfinalized block.
   */
  accountAt(addr: string, c: Commitment): AccountState | null {
    if (c === "finalized") {
      const fin = this.finalizedSlot();
      for (let s = fin + 1; s <= this.slot; s++) {
        const e = this.window.get(s);
        if (e && e.pre.has(addr)) return e.pre.get(addr)!;
      }
    }
    return this.account(addr);
  }

  /** Accounts owned by a program, as a commitment level sees them. */
  programAccountsAt(program: string, c: Commitment): [string, AccountState][] {
    const out = new Map<string, AccountState>();
    for (const aa of this.svm.getProgramAccounts(decodeBase58(program))) {
      const st = toState(aa.account())!;
      out.set(encodeBase58(aa.address), st);
    }
    if (c === "finalized") {
      const touched = new Set<string>();
      for (let s = this.finalizedSlot() + 1; s <= this.slot; s++) {
        for (const addr of this.window.get(s)?.pre.keys() ?? []) touched.add(addr);
      }
      for (const addr of touched) {
        const st = this.accountAt(addr, "finalized");
        if (st && st.owner === program) out.set(addr, st);
        else out.delete(addr);
      }
    }
    return [...out.entries()];
  }

  mintDecimals(mint: string): number | null {
    const a = this.account(mint);
    if (!a) return null;
    const m = unpackMint(a.owner, a.data);
    return m ? m.decimals : null;
  }

  /** Resolves address table lookups: [writable, readonly] or a transaction error. */
  private resolveLookups(tx: ParsedTx): { writable: string[]; readonly: string[] } | TxError {
    const writable: string[] = [];
    const readonly: string[] = [];
    for (const l of tx.lookups) {
      const a = this.account(l.accountKey);
      if (!a) return txErrorNamed("AddressLookupTableNotFound");
      if (a.owner !== ADDRESS_LOOKUP_TABLE_PROGRAM) return txErrorNamed("InvalidAddressLookupTableOwner");
      if (a.data.length < 56 || (a.data.length - 56) % 32 !== 0) return txErrorNamed("InvalidAddressLookupTableData");
      const n = (a.data.length - 56) / 32;
      const at = (i: number) => encodeBase58(a.data.subarray(56 + 32 * i, 88 + 32 * i));
      for (const i of l.writableIndexes) {
        if (i >= n) return txErrorNamed("InvalidAddressLookupTableIndex");
        writable.push(at(i));
      }
      for (const i of l.readonlyIndexes) {
        if (i >= n) return txErrorNamed("InvalidAddressLookupTableIndex");
        readonly.push(at(i));
      }
    }
    return { writable, readonly };
  }

  private tokenBalances(states: (AccountState | null)[]): TokenBalance[] {
    const out: TokenBalance[] = [];
    states.forEach((st, i) => {
      if (!st || !isTokenProgram(st.owner)) return;
      const ta = unpackTokenAccount(st.owner, st.data);
      if (!ta) return;
      const decimals = this.mintDecimals(ta.mint);
      if (decimals === null) return;
      out.push({ accountIndex: i, mint: ta.mint, owner: ta.owner, programId: st.owner, amount: ta.amount, decimals });
    });
    return out;
  }

  /**
   * Executes (or simulates) a transaction in the open block. Errors that Solana reports
   * without executing (BlockhashNotFound, AlreadyProcessed, lookup-table errors) come
   * back as a result with landed=false; a signature failure throws SignatureVerifyError
   * when sigVerify is requested.
   */
  execute(tx: ParsedTx, opts: ExecOptions): ExecResult {
    const signature = encodeBase58(tx.signatures[0] ?? new Uint8Array(64));
    const emptyMeta = (err: TxError): ExecResult => ({
      signature,
      landed: false,
      err,
      accountKeys: tx.staticKeys,
      post: new Map(),
      meta: {
        err,
        fee: 0n,
        preBalances: [],
        postBalances: [],
        preTokenBalances: [],
        postTokenBalances: [],
        logMessages: [],
        innerInstructions: [],
        computeUnitsConsumed: 0n,
        loadedAddresses: { writable: [], readonly: [] },
        returnData: null,
      },
    });
    if (opts.sigVerify && !verifySignatures(tx)) throw new SignatureVerifyError("Transaction signature verification failure");
    if (!opts.replaceRecentBlockhash && !this.isTxAgeValid(tx)) {
      return emptyMeta(txErrorNamed("BlockhashNotFound"));
    }
    if ((!opts.simulate || opts.checkDuplicate) && this.ledger.txs.has(signature)) return emptyMeta(txErrorNamed("AlreadyProcessed"));
    const loaded = this.resolveLookups(tx);
    if ("json" in loaded) return emptyMeta(loaded);
    const keys = [...tx.staticKeys, ...loaded.writable, ...loaded.readonly];
    const pre = keys.map((k) => this.account(k));

    let raw = tx.raw;
    if (opts.replaceRecentBlockhash) {
      // Rewrite the blockhash in the message (LiteSVM's own check is off anyway; this
      // keeps the executed bytes consistent with what we report).
      raw = Uint8Array.from(tx.raw);
      const off = tx.raw.length - tx.messageBytes.length;
      const hashOff = off + (tx.version === 0 ? 1 : 0) + 3 + shortvecLen(tx.staticKeys.length) + 32 * tx.staticKeys.length;
      raw.set(decodeBase58(this.blockAt("processed").blockhash), hashOff);
    }

    let result: internal.TransactionMetadata | internal.FailedTransactionMetadata | internal.SimulatedTransactionInfo;
    let postAccounts: Map<string, AccountState | null> | null = null;
    if (opts.simulate) {
      this.svm.setSigverify(false);
      try {
        result = tx.version === "legacy" ? this.svm.simulateLegacyTransaction(raw) : this.svm.simulateVersionedTransaction(raw);
      } finally {
        this.svm.setSigverify(true);
      }
      if (result instanceof lite.SimulatedTransactionInfo) {
        postAccounts = new Map();
        for (const aa of result.postAccounts()) postAccounts.set(encodeBase58(aa.address), toState(aa.account()));
      }
    } else {
      result = tx.version === "legacy" ? this.svm.sendLegacyTransaction(raw) : this.svm.sendVersionedTransaction(raw);
    }

    const failed = result instanceof lite.FailedTransactionMetadata;
    const meta = failed
      ? (result as internal.FailedTransactionMetadata).meta()
      : result instanceof lite.SimulatedTransactionInfo
        ? result.meta()
        : (result as internal.TransactionMetadata);
    const err = failed ? convertTxError((result as internal.FailedTransactionMetadata).err()) : null;

    let post: (AccountState | null)[];
    if (opts.simulate) {
      post = keys.map((k, i) => (postAccounts && postAccounts.has(k) ? postAccounts.get(k)! : pre[i]));
    } else {
      post = keys.map((k) => this.account(k));
    }
    const sum = (xs: (AccountState | null)[]) => xs.reduce((a, s) => a + (s ? s.lamports : 0n), 0n);
    let fee = sum(pre) - sum(post);
    let landed = !failed || fee !== 0n;
    if (opts.simulate) {
      // Failed simulations give no post state; report the fee the bank would charge.
      fee = computeFee(tx, keys);
      landed = true;
    }

    const inner: TxMeta["innerInstructions"] = [];
    meta.innerInstructions().forEach((list, index) => {
      if (list.length === 0) return;
      const instructions: UiInnerInstruction[] = list.map((ii) => {
        const ci = ii.instruction();
        return {
          programIdIndex: ci.programIdIndex(),
          accounts: [...ci.accounts()],
          data: encodeBase58(ci.data()),
          stackHeight: ii.stackHeight(),
        };
      });
      inner.push({ index, instructions });
    });
    const rd = meta.returnData();
    const rdData = rd.data();
    const txMeta: TxMeta = {
      err,
      fee,
      preBalances: pre.map((s) => (s ? s.lamports : 0n)),
      postBalances: post.map((s) => (s ? s.lamports : 0n)),
      preTokenBalances: this.tokenBalances(pre),
      postTokenBalances: this.tokenBalances(post),
      logMessages: meta.logs(),
      innerInstructions: inner,
      computeUnitsConsumed: meta.computeUnitsConsumed(),
      loadedAddresses: loaded,
      returnData: rdData.length > 0 ? { programId: encodeBase58(rd.programId()), data: Buffer.from(rdData).toString("base64") } : null,
    };
    const postMap = new Map<string, AccountState | null>();
    keys.forEach((k, i) => postMap.set(k, post[i]));

    if (!opts.simulate && landed) {
      const entry = this.window.get(this.slot)!;
      keys.forEach((k, i) => {
        if (!isWritable(tx, i, loaded.writable.length)) return;
        if (sameState(pre[i], post[i])) return;
        if (!entry.pre.has(k)) entry.pre.set(k, pre[i]);
      });
      const rec: TxRecord = { signature, slot: this.slot, index: 0, raw: tx.raw, meta: txMeta, accountKeys: keys };
      this.ledger.addTx(rec);
      this.emit("transaction", rec);
    }
    return { signature, landed, err, meta: txMeta, accountKeys: keys, post: postMap };
  }

  /** Sends lamports from the faucet (a real, recorded transfer transaction). */
  airdrop(faucet: Keypair, to: string, lamports: bigint, build: AirdropBuilder): ExecResult {
    this.airdropCounter++;
    const raw = build(faucet, to, lamports, this.blockAt("processed").blockhash, this.airdropCounter);
    return this.execute(parseTransaction(raw), { simulate: false, sigVerify: false, replaceRecentBlockhash: false });
  }

  /** Writes an account directly (genesis only). */
  setAccount(addr: string, st: AccountState): void {
    this.svm.setAccount(decodeBase58(addr), new lite.Account(st.lamports, st.data, decodeBase58(st.owner), st.executable, st.rentEpoch));
  }
}

export type AirdropBuilder = (
  faucet: Keypair,
  to: string,
  lamports: bigint,
  blockhash: string,
  nonce: number,
) => Uint8Array;

function shortvecLen(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : 3;
}

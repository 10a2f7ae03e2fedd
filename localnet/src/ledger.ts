// The ledger: blocks, executed transactions with their metadata, and the indexes the
// RPC needs (signature -> transaction, address -> signatures). LiteSVM keeps no such
// history, so everything the RPC answers about the past comes from here.

import type { TxError } from "./solana/errors.js";
import type { UiTokenAmount } from "./solana/token.js";

export interface TokenBalance {
  accountIndex: number;
  mint: string;
  owner: string;
  programId: string;
  amount: bigint;
  decimals: number;
}

export interface UiInnerInstruction {
  programIdIndex: number;
  accounts: number[];
  data: string; // base58
  stackHeight: number;
}

export interface TxMeta {
  err: TxError | null;
  fee: bigint;
  preBalances: bigint[];
  postBalances: bigint[];
  preTokenBalances: TokenBalance[];
  postTokenBalances: TokenBalance[];
  logMessages: string[];
  innerInstructions: { index: number; instructions: UiInnerInstruction[] }[];
  computeUnitsConsumed: bigint;
  loadedAddresses: { writable: string[]; readonly: string[] };
  returnData: { programId: string; data: string } | null; // data base64
}

export interface TxRecord {
  signature: string;
  slot: number;
  index: number;
  raw: Uint8Array;
  meta: TxMeta;
  /** Static keys followed by loaded writable and loaded read-only addresses. */
  accountKeys: string[];
}

export interface BlockRecord {
  slot: number;
  parentSlot: number;
  blockhash: string;
  previousBlockhash: string;
  blockTime: number;
  blockHeight: number;
  signatures: string[];
}

export type { UiTokenAmount };

export class Ledger {
  readonly blocks = new Map<number, BlockRecord>();
  readonly txs = new Map<string, TxRecord>();
  readonly byAddress = new Map<string, string[]>();
  firstSlot = 0;

  addBlock(b: BlockRecord): void {
    if (this.blocks.size === 0) this.firstSlot = b.slot;
    this.blocks.set(b.slot, b);
  }

  addTx(tx: TxRecord): void {
    const block = this.blocks.get(tx.slot);
    if (!block) throw new Error(`no block for slot ${tx.slot}`);
    tx.index = block.signatures.length;
    block.signatures.push(tx.signature);
    this.txs.set(tx.signature, tx);
    for (const key of new Set(tx.accountKeys)) {
      let list = this.byAddress.get(key);
      if (!list) {
        list = [];
        this.byAddress.set(key, list);
      }
      list.push(tx.signature);
    }
  }

  toJSON(): unknown {
    return {
      version: 1,
      firstSlot: this.firstSlot,
      blocks: [...this.blocks.values()],
      txs: [...this.txs.values()].map((t) => ({ ...t, raw: Buffer.from(t.raw).toString("base64") })),
    };
  }

  static fromJSON(v: unknown): Ledger {
    const o = v as { version: number; firstSlot: number; blocks: BlockRecord[]; txs: (Omit<TxRecord, "raw"> & { raw: string })[] };
    if (o.version !== 1) throw new Error(`unsupported ledger version ${o.version}`);
    const l = new Ledger();
    for (const b of o.blocks) l.addBlock({ ...b, signatures: [] });
    l.firstSlot = o.firstSlot;
    const big = (x: unknown) => BigInt(x as number | bigint | string);
    const tb = (t: TokenBalance) => ({ ...t, amount: big(t.amount) });
    // Re-add in block order so indexes are rebuilt exactly.
    const sorted = [...o.txs].sort((a, b) => a.slot - b.slot || a.index - b.index);
    for (const t of sorted) {
      l.addTx({
        ...t,
        raw: new Uint8Array(Buffer.from(t.raw, "base64")),
        meta: {
          ...t.meta,
          fee: big(t.meta.fee),
          preBalances: t.meta.preBalances.map(big),
          postBalances: t.meta.postBalances.map(big),
          preTokenBalances: t.meta.preTokenBalances.map(tb),
          postTokenBalances: t.meta.postTokenBalances.map(tb),
          computeUnitsConsumed: big(t.meta.computeUnitsConsumed),
        },
      });
    }
    return l;
  }
}

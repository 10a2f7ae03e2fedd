// Transactions and their metadata in the RPC's JSON shapes (EncodedTransaction,
// UiTransactionStatusMeta) as getTransaction / getBlock / simulateTransaction answer.

import { encodeBase58 } from "../encoding/base58.js";
import type { TokenBalance, TxMeta, TxRecord } from "../ledger.js";
import { uiTokenAmount } from "../solana/token.js";
import { parseTransaction, type ParsedTx } from "../solana/tx.js";
import { invalidParams, unsupportedVersion } from "./errors.js";
import type { Config } from "./params.js";

export type TxEncoding = "json" | "jsonParsed" | "base64" | "base58" | "binary";

export interface TxEncodeOptions {
  encoding: TxEncoding;
  maxSupportedTransactionVersion: number | null;
}

export function txEncodeOptions(cfg: Config, encodingOverride?: unknown): TxEncodeOptions {
  const e = encodingOverride ?? cfg.encoding ?? "json";
  if (e !== "json" && e !== "jsonParsed" && e !== "base64" && e !== "base58" && e !== "binary") {
    throw invalidParams(`Invalid params: unknown variant \`${String(e)}\`, expected one of \`binary\`, \`base64\`, \`base58\`, \`json\`, \`jsonParsed\``);
  }
  const m = cfg.maxSupportedTransactionVersion;
  if (m !== undefined && m !== null && m !== 0) throw invalidParams(`Invalid params: unsupported maxSupportedTransactionVersion ${String(m)}`);
  return { encoding: e, maxSupportedTransactionVersion: m === 0 ? 0 : null };
}

export function uiTokenBalances(list: TokenBalance[]): unknown[] {
  return list.map((t) => ({
    accountIndex: t.accountIndex,
    mint: t.mint,
    uiTokenAmount: uiTokenAmount(t.amount, t.decimals, true),
    owner: t.owner,
    programId: t.programId,
  }));
}

export function uiInnerInstructions(meta: TxMeta): unknown[] {
  return meta.innerInstructions.map((ii) => ({
    index: ii.index,
    instructions: ii.instructions.map((i) => ({
      programIdIndex: i.programIdIndex,
      accounts: i.accounts,
      data: i.data,
      stackHeight: i.stackHeight,
    })),
  }));
}

export function uiMeta(meta: TxMeta): Record<string, unknown> {
  const err = meta.err ? meta.err.json : null;
  const out: Record<string, unknown> = {
    err,
    status: err === null ? { Ok: null } : { Err: err },
    fee: meta.fee,
    preBalances: meta.preBalances,
    postBalances: meta.postBalances,
    innerInstructions: uiInnerInstructions(meta),
    logMessages: meta.logMessages,
    preTokenBalances: uiTokenBalances(meta.preTokenBalances),
    postTokenBalances: uiTokenBalances(meta.postTokenBalances),
    rewards: [],
    loadedAddresses: meta.loadedAddresses,
    computeUnitsConsumed: meta.computeUnitsConsumed,
  };
  if (meta.returnData) out.returnData = { programId: meta.returnData.programId, data: [meta.returnData.data, "base64"] };
  return out;
}

export function uiTransactionJson(tx: ParsedTx): unknown {
  const message: Record<string, unknown> = {
    accountKeys: tx.staticKeys,
    header: tx.header,
    recentBlockhash: tx.recentBlockhash,
    instructions: tx.instructions.map((ix) => ({
      programIdIndex: ix.programIdIndex,
      accounts: ix.accounts,
      data: encodeBase58(ix.data),
      stackHeight: 1, // a transaction's own instructions run at stack height 1
    })),
  };
  if (tx.version === 0) message.addressTableLookups = tx.lookups;
  return { signatures: tx.signatures.map(encodeBase58), message };
}

export function encodeTx(raw: Uint8Array, enc: TxEncoding): unknown {
  switch (enc) {
    case "base64":
      return [Buffer.from(raw).toString("base64"), "base64"];
    case "base58":
      return [encodeBase58(raw), "base58"];
    case "binary":
      return encodeBase58(raw);
    default:
      // jsonParsed is answered in the json form (instruction parsing is not implemented).
      return uiTransactionJson(parseTransaction(raw));
  }
}

/** EncodedTransactionWithStatusMeta (without slot/blockTime). */
export function uiTxWithMeta(rec: TxRecord, opts: TxEncodeOptions): Record<string, unknown> {
  const tx = parseTransaction(rec.raw);
  if (tx.version === 0 && opts.maxSupportedTransactionVersion === null) throw unsupportedVersion(0);
  const out: Record<string, unknown> = { transaction: encodeTx(rec.raw, opts.encoding), meta: uiMeta(rec.meta) };
  if (opts.maxSupportedTransactionVersion !== null) out.version = tx.version;
  return out;
}

/** Agave's extract_and_fmt_memos: "[len] memo" for each SPL Memo instruction, "; "-joined. */
export function memoOf(rec: TxRecord): string | null {
  const tx = parseTransaction(rec.raw);
  const memos: string[] = [];
  for (const ix of tx.instructions) {
    const p = rec.accountKeys[ix.programIdIndex];
    if (p === "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr" || p === "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo") {
      const s = Buffer.from(ix.data).toString("utf8");
      memos.push(`[${ix.data.length}] ${s}`);
    }
  }
  return memos.length > 0 ? memos.join("; ") : null;
}

// Transaction submission, simulation, airdrops and transaction history.

import { SignatureVerifyError, type ExecResult } from "../../chain.js";
import { encodeAccount, encodeOptions } from "../../encoding/account.js";
import { decodeBase58, encodeBase58 } from "../../encoding/base58.js";
import type { Json } from "../../encoding/json.js";
import { buildLegacyTx, parseTransaction, TxParseError, type ParsedTx } from "../../solana/tx.js";
import { setComputeUnitLimit, systemTransfer } from "../../solana/instructions.js";
import { BPF_LOADER_UPGRADEABLE, FINALITY_DEPTH, MAX_PROCESSING_AGE, STATUS_CACHE_SLOTS } from "../../solana/constants.js";
import { type Handler, type RpcContext, withContext } from "../context.js";
import {
  INTERNAL_ERROR,
  invalidParams,
  RpcError,
  SEND_TRANSACTION_PREFLIGHT_FAILURE,
  TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
} from "../errors.js";
import { bigU64, checkMinContextSlot, commitment, config, historyCommitment, pubkey, str } from "../params.js";
import { memoOf, txEncodeOptions, uiInnerInstructions, uiTxWithMeta } from "../txui.js";
import { TxMetaToSimulation } from "./simulation.js";

const TX_TYPE = "solana_transaction::versioned::VersionedTransaction";
const PACKET_DATA_SIZE = 1232;
const MAX_BASE58_SIZE = 1683;
const MAX_BASE64_SIZE = 1644;
const MAX_SIGNATURE_STATUSES = 256;
const MAX_SIGNATURES_FOR_ADDRESS = 1000;

export function decodeWireTx(encoded: string, encoding: unknown): ParsedTx {
  let raw: Uint8Array;
  if (encoding === undefined || encoding === null || encoding === "base58") {
    if (encoded.length > MAX_BASE58_SIZE) {
      throw invalidParams(`base58 encoded ${TX_TYPE} too large: ${encoded.length} bytes (max: encoded/raw ${MAX_BASE58_SIZE}/${PACKET_DATA_SIZE})`);
    }
    try {
      raw = decodeBase58(encoded);
    } catch (e) {
      throw invalidParams(`invalid base58 encoding: ${(e as Error).message}`);
    }
  } else if (encoding === "base64") {
    if (encoded.length > MAX_BASE64_SIZE) {
      throw invalidParams(`base64 encoded ${TX_TYPE} too large: ${encoded.length} bytes (max: encoded/raw ${MAX_BASE64_SIZE}/${PACKET_DATA_SIZE})`);
    }
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw invalidParams("invalid base64 encoding: InvalidByte");
    raw = new Uint8Array(Buffer.from(encoded, "base64"));
  } else {
    throw invalidParams(`Invalid params: unsupported encoding: ${String(encoding)}. Supported encodings: base58, base64`);
  }
  if (raw.length > PACKET_DATA_SIZE) {
    throw invalidParams(`decoded ${TX_TYPE} too large: ${raw.length} bytes (max: ${PACKET_DATA_SIZE} bytes)`);
  }
  try {
    return parseTransaction(raw);
  } catch (e) {
    if (e instanceof TxParseError) throw invalidParams(`failed to deserialize ${TX_TYPE}: ${e.message}`);
    throw e;
  }
}

/**
 * Agave's loaded accounts data size (SIMD-0186): every account the transaction loads counts
 * its data plus 64 bytes, and every upgradeable program it invokes also its program data
 * account's data. A transaction refused before loading (landed false) loaded nothing.
 */
function loadedAccountsDataSize(ctx: RpcContext, tx: ParsedTx, r: ExecResult): number {
  if (!r.landed) return 0;
  let n = 0;
  for (const k of r.accountKeys) n += (ctx.chain.account(k)?.data.length ?? 0) + 64;
  for (const id of new Set(tx.instructions.map((ix) => r.accountKeys[ix.programIdIndex]))) {
    const program = ctx.chain.account(id);
    if (program?.owner !== BPF_LOADER_UPGRADEABLE || program.data.length < 36) continue;
    n += ctx.chain.account(encodeBase58(program.data.subarray(4, 36)))?.data.length ?? 0;
  }
  return n;
}

function statusOf(ctx: RpcContext, slot: number): { confirmations: number | null; confirmationStatus: string } {
  const finalized = ctx.chain.slot - slot >= FINALITY_DEPTH;
  return finalized
    ? { confirmations: null, confirmationStatus: "finalized" }
    : { confirmations: ctx.chain.slot - slot, confirmationStatus: "confirmed" };
}

export const transactionMethods: Record<string, Handler> = {
  sendTransaction: (p, ctx) => {
    const cfg = config(p, 1);
    const tx = decodeWireTx(str(p[0], "transaction"), cfg.encoding);
    const preflightCommitment = commitment({ commitment: cfg.preflightCommitment }, "finalized");
    checkMinContextSlot(cfg, ctx.chain, preflightCommitment);
    if (cfg.skipPreflight !== true) {
      let sim: ExecResult;
      try {
        sim = ctx.chain.execute(tx, { simulate: true, sigVerify: true, replaceRecentBlockhash: false, checkDuplicate: true });
      } catch (e) {
        if (e instanceof SignatureVerifyError) {
          throw new RpcError(TRANSACTION_SIGNATURE_VERIFICATION_FAILURE, "Transaction signature verification failure");
        }
        throw e;
      }
      if (sim.err) {
        // Agave's preflight answer leaves out the balances and loaded addresses that
        // simulateTransaction reports.
        throw new RpcError(SEND_TRANSACTION_PREFLIGHT_FAILURE, `Transaction simulation failed: ${sim.err.message}`, {
          ...TxMetaToSimulation(sim, { accounts: null, innerInstructions: null, replacementBlockhash: null }),
          preBalances: null,
          postBalances: null,
          preTokenBalances: null,
          postTokenBalances: null,
          loadedAddresses: null,
          loadedAccountsDataSize: loadedAccountsDataSize(ctx, tx, sim),
        });
      }
    }
    const res = ctx.chain.execute(tx, { simulate: false, sigVerify: false, replaceRecentBlockhash: false });
    return res.signature;
  },

  simulateTransaction: (p, ctx) => {
    const cfg = config(p, 1);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, ctx.chain, c);
    const tx = decodeWireTx(str(p[0], "transaction"), cfg.encoding);
    const sigVerify = cfg.sigVerify === true;
    const replace = cfg.replaceRecentBlockhash === true;
    if (sigVerify && replace) throw invalidParams("sigVerify may not be used with replaceRecentBlockhash");
    let res: ExecResult;
    try {
      res = ctx.chain.execute(tx, { simulate: true, sigVerify, replaceRecentBlockhash: replace });
    } catch (e) {
      if (e instanceof SignatureVerifyError) {
        throw new RpcError(TRANSACTION_SIGNATURE_VERIFICATION_FAILURE, "Transaction signature verification failure");
      }
      throw e;
    }
    let accounts: unknown[] | null = null;
    const acfg = cfg.accounts as { addresses?: Json[]; encoding?: Json } | undefined | null;
    if (acfg && typeof acfg === "object") {
      const addrs = (acfg.addresses ?? []).map((a) => pubkey(a));
      const opts = encodeOptions({ encoding: acfg.encoding ?? "base64" }, "base64");
      if (opts.encoding === "binary" || opts.encoding === "base58") throw invalidParams("Invalid params: base58 encoding not supported");
      accounts = addrs.map((a) => {
        if (res.err) return null;
        const st = res.post.has(a) ? res.post.get(a)! : ctx.chain.account(a);
        return st ? encodeAccount(ctx.chain, st, opts) : null;
      });
    }
    const b = ctx.chain.blockAt("processed");
    return withContext(ctx.chain, c, {
      ...TxMetaToSimulation(res, {
        accounts,
        innerInstructions: cfg.innerInstructions === true ? uiInnerInstructions(res.meta) : null,
        replacementBlockhash: replace ? { blockhash: b.blockhash, lastValidBlockHeight: b.blockHeight + MAX_PROCESSING_AGE } : null,
      }),
      loadedAccountsDataSize: loadedAccountsDataSize(ctx, tx, res),
    });
  },

  requestAirdrop: (p, ctx) => {
    const to = pubkey(p[0]);
    const lamports = bigU64(p[1], "lamports");
    const res = ctx.chain.airdrop(ctx.faucet, to, lamports, (faucet, dest, amount, blockhash, nonce) =>
      // The varying compute-unit limit makes repeated identical airdrops distinct transactions.
      buildLegacyTx(
        faucet,
        [setComputeUnitLimit(10_000 + (nonce % 1_000_000)), systemTransfer(faucet.address, dest, amount)],
        blockhash,
        [],
      ),
    );
    if (res.err) throw new RpcError(INTERNAL_ERROR, `airdrop request failed: ${res.err.message}`);
    return res.signature;
  },

  getSignatureStatuses: (p, ctx) => {
    const sigs = p[0];
    if (!Array.isArray(sigs)) throw invalidParams("Invalid params: invalid type: expected an array of signatures");
    if (sigs.length > MAX_SIGNATURE_STATUSES) throw invalidParams(`Too many inputs provided; max ${MAX_SIGNATURE_STATUSES}`);
    const cfg = config(p, 1);
    const history = cfg.searchTransactionHistory === true;
    const value = sigs.map((s) => {
      const sig = str(s, "signature");
      const rec = ctx.chain.ledger.txs.get(sig);
      if (!rec) return null;
      if (!history && ctx.chain.slot - rec.slot > STATUS_CACHE_SLOTS) return null;
      const err = rec.meta.err ? rec.meta.err.json : null;
      return {
        slot: rec.slot,
        ...statusOf(ctx, rec.slot),
        err,
        status: err === null ? { Ok: null } : { Err: err },
      };
    });
    return withContext(ctx.chain, "processed", value);
  },

  getTransaction: (p, ctx) => {
    const sig = str(p[0], "signature");
    const encodingOverride = typeof p[1] === "string" ? p[1] : undefined;
    const cfg = encodingOverride === undefined ? config(p, 1) : {};
    const c = historyCommitment(cfg);
    const opts = txEncodeOptions(cfg, encodingOverride);
    const rec = ctx.chain.ledger.txs.get(sig);
    if (!rec || rec.slot > ctx.chain.slotAt(c)) return null;
    const block = ctx.chain.ledger.blocks.get(rec.slot)!;
    return { slot: rec.slot, ...uiTxWithMeta(rec, opts), blockTime: block.blockTime, transactionIndex: block.signatures.indexOf(sig) };
  },

  getSignaturesForAddress: (p, ctx) => {
    const addr = pubkey(p[0], "address");
    const cfg = config(p, 1);
    const c = historyCommitment(cfg);
    checkMinContextSlot(cfg, ctx.chain, c);
    let limit = MAX_SIGNATURES_FOR_ADDRESS;
    if (cfg.limit !== undefined && cfg.limit !== null) {
      if (typeof cfg.limit !== "number" || cfg.limit < 1 || cfg.limit > MAX_SIGNATURES_FOR_ADDRESS) {
        throw invalidParams(`Invalid limit; max ${MAX_SIGNATURES_FOR_ADDRESS}`);
      }
      limit = cfg.limit;
    }
    const before = cfg.before === undefined || cfg.before === null ? null : str(cfg.before, "before");
    const until = cfg.until === undefined || cfg.until === null ? null : str(cfg.until, "until");
    const list = ctx.chain.ledger.byAddress.get(addr) ?? [];
    const maxSlot = ctx.chain.slotAt(c);
    let i = list.length - 1;
    if (before !== null) {
      const at = list.lastIndexOf(before);
      if (at < 0) return [];
      i = at - 1;
    }
    const out: unknown[] = [];
    for (; i >= 0 && out.length < limit; i--) {
      const sig = list[i];
      if (sig === until) break;
      const rec = ctx.chain.ledger.txs.get(sig)!;
      if (rec.slot > maxSlot) continue;
      const block = ctx.chain.ledger.blocks.get(rec.slot)!;
      out.push({
        signature: sig,
        slot: rec.slot,
        err: rec.meta.err ? rec.meta.err.json : null,
        memo: memoOf(rec),
        blockTime: block.blockTime,
        confirmationStatus: statusOf(ctx, rec.slot).confirmationStatus,
        transactionIndex: rec.index,
      });
    }
    return out;
  },
};



// Block history: getBlock, getBlocks, getBlockTime.

import { isWritable, parseTransaction } from "../../solana/tx.js";
import { type Handler } from "../context.js";
import { blockNotAvailable, invalidParams, RpcError } from "../errors.js";
import { config, historyCommitment, u64 } from "../params.js";
import { txEncodeOptions, uiTxWithMeta } from "../txui.js";

const MAX_GET_BLOCKS_RANGE = 500_000;
const parsed = (raw: Uint8Array) => parseTransaction(raw);

export const blockMethods: Record<string, Handler> = {
  getBlock: (p, { chain }) => {
    const slot = u64(p[0], "slot");
    const encodingOverride = typeof p[1] === "string" ? p[1] : undefined;
    const cfg = encodingOverride === undefined ? config(p, 1) : {};
    const c = historyCommitment(cfg);
    const opts = txEncodeOptions(cfg, encodingOverride);
    const details = cfg.transactionDetails ?? "full";
    if (details !== "full" && details !== "signatures" && details !== "none" && details !== "accounts") {
      throw invalidParams(`Invalid params: unknown variant \`${String(details)}\`, expected one of \`full\`, \`signatures\`, \`none\`, \`accounts\``);
    }
    if (slot < chain.ledger.firstSlot) {
      throw new RpcError(-32001, `Block ${slot} cleaned up, does not exist on node. First available block: ${chain.ledger.firstSlot}`);
    }
    if (slot > chain.slotAt(c)) throw blockNotAvailable(slot);
    const b = chain.ledger.blocks.get(slot);
    if (!b) throw blockNotAvailable(slot);
    const out: Record<string, unknown> = {
      blockHeight: b.blockHeight,
      blockTime: b.blockTime,
      blockhash: b.blockhash,
      parentSlot: b.parentSlot,
      previousBlockhash: b.previousBlockhash,
    };
    const recs = b.signatures.map((s) => chain.ledger.txs.get(s)!);
    if (details === "full") {
      out.transactions = recs.map((r) => uiTxWithMeta(r, opts));
    } else if (details === "signatures") {
      out.signatures = [...b.signatures];
    } else if (details === "accounts") {
      out.transactions = recs.map((r) => {
        const full = uiTxWithMeta(r, { ...opts, encoding: "json" });
        const tx = full.transaction as { signatures: string[] };
        const meta = full.meta as Record<string, unknown>;
        const o: Record<string, unknown> = {
          transaction: {
            signatures: tx.signatures,
            accountKeys: r.accountKeys.map((k, i) => ({
              pubkey: k,
              signer: i < tx.signatures.length,
              source: i < parsed(r.raw).staticKeys.length ? "transaction" : "lookupTable",
              writable: isWritable(parsed(r.raw), i, r.meta.loadedAddresses.writable.length),
            })),
          },
          meta: {
            err: meta.err,
            status: meta.status,
            fee: meta.fee,
            preBalances: meta.preBalances,
            postBalances: meta.postBalances,
            preTokenBalances: meta.preTokenBalances,
            postTokenBalances: meta.postTokenBalances,
          },
        };
        if (full.version !== undefined) o.version = full.version;
        return o;
      });
    }
    if (cfg.rewards !== false) out.rewards = [];
    return out;
  },

  getBlocks: (p, { chain }) => {
    const start = u64(p[0], "start slot");
    let endArg: number | null = null;
    let cfgIndex = 1;
    if (typeof p[1] === "number") {
      endArg = u64(p[1], "end slot");
      cfgIndex = 2;
    }
    const cfg = config(p, cfgIndex);
    const c = historyCommitment(cfg);
    const end = Math.min(endArg ?? chain.slotAt(c), chain.slotAt(c));
    if (endArg !== null && endArg - start > MAX_GET_BLOCKS_RANGE) {
      throw invalidParams(`Slot range too large; max ${MAX_GET_BLOCKS_RANGE}`);
    }
    const out: number[] = [];
    for (let s = Math.max(start, chain.ledger.firstSlot); s <= end; s++) if (chain.ledger.blocks.has(s)) out.push(s);
    return out;
  },

  getBlockTime: (p, { chain }) => {
    const slot = u64(p[0], "slot");
    if (slot < chain.ledger.firstSlot) {
      throw new RpcError(-32001, `Block ${slot} cleaned up, does not exist on node. First available block: ${chain.ledger.firstSlot}`);
    }
    const b = chain.ledger.blocks.get(slot);
    if (!b || slot > chain.slotAt("confirmed")) throw blockNotAvailable(slot);
    return b.blockTime;
  },
};

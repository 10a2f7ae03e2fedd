// Cluster, slot, blockhash and fee methods.

import { SLOTS_PER_EPOCH, FEATURE_SET_ID, SOLANA_CORE_VERSION, MAX_PROCESSING_AGE } from "../../solana/constants.js";
import { computeFee } from "../../chain.js";
import { parseTransaction, TxParseError } from "../../solana/tx.js";
import { type Handler, withContext } from "../context.js";
import { invalidParams } from "../errors.js";
import { checkMinContextSlot, commitment, config, str, u64 } from "../params.js";
import { createHash } from "node:crypto";
import { decodeBase58, encodeBase58 } from "../../encoding/base58.js";

export const clusterMethods: Record<string, Handler> = {
  getHealth: () => "ok",

  getVersion: () => ({ "feature-set": FEATURE_SET_ID, "solana-core": SOLANA_CORE_VERSION }),

  getIdentity: (_p, { chain }) => ({ identity: chain.identity }),

  // A localnet has no genesis config to hash: its identity (kept with its state) stands in,
  // so the hash is stable across restarts and differs from every public cluster's.
  getGenesisHash: (_p, { chain }) =>
    encodeBase58(createHash("sha256").update(`gpunet localnet ${chain.identity}`).digest()),

  getSlot: (p, { chain }) => {
    const cfg = config(p, 0);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, chain, c);
    return chain.slotAt(c);
  },

  getBlockHeight: (p, { chain }) => {
    const cfg = config(p, 0);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, chain, c);
    return chain.blockHeightAt(c);
  },

  getEpochInfo: (p, { chain }) => {
    const cfg = config(p, 0);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, chain, c);
    const slot = chain.slotAt(c);
    const count = chain.transactionCount;
    return {
      absoluteSlot: slot,
      blockHeight: chain.blockHeightAt(c),
      epoch: Math.floor(slot / SLOTS_PER_EPOCH),
      slotIndex: slot % SLOTS_PER_EPOCH,
      slotsInEpoch: SLOTS_PER_EPOCH,
      transactionCount: count,
    };
  },

  getLatestBlockhash: (p, { chain }) => {
    const cfg = config(p, 0);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, chain, c);
    const b = chain.blockAt(c);
    return withContext(chain, c, { blockhash: b.blockhash, lastValidBlockHeight: b.blockHeight + MAX_PROCESSING_AGE });
  },

  isBlockhashValid: (p, { chain }) => {
    const hash = str(p[0], "blockhash");
    const cfg = config(p, 1);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, chain, c);
    let ok = false;
    try {
      ok = decodeBase58(hash).length === 32 && chain.isBlockhashValid(hash, c);
    } catch {
      throw invalidParams("Invalid param: Invalid");
    }
    return withContext(chain, c, ok);
  },

  getFeeForMessage: (p, { chain }) => {
    const b64 = str(p[0], "message");
    const cfg = config(p, 1);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, chain, c);
    const msg = Buffer.from(b64, "base64");
    // Parse the message as a transaction with zeroed signatures.
    let tx;
    try {
      const nsig = msg[0] & 0x80 ? msg[1] : msg[0];
      const raw = Buffer.concat([Buffer.from([nsig]), Buffer.alloc(64 * nsig), msg]);
      tx = parseTransaction(new Uint8Array(raw));
    } catch (e) {
      if (e instanceof TxParseError) throw invalidParams(`Invalid params: invalid message: ${e.message}`);
      throw e;
    }
    if (!chain.isTxAgeValid(tx, c)) return withContext(chain, c, null);
    return withContext(chain, c, computeFee(tx, tx.staticKeys));
  },

  getMinimumBalanceForRentExemption: (p, { chain }) => {
    const len = p[0] === undefined ? 0 : u64(p[0], "data length");
    return chain.svm.minimumBalanceForRentExemption(BigInt(len));
  },
};

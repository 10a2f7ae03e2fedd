// Parameter parsing shared by the RPC methods (Agave's semantics and messages).

import { tryDecodeAddress } from "../encoding/base58.js";
import type { Json } from "../encoding/json.js";
import type { Chain, Commitment } from "../chain.js";
import { invalidParams, MIN_CONTEXT_SLOT_NOT_REACHED, RpcError } from "./errors.js";

export type Params = Json[];
export type Config = { [k: string]: Json | undefined };

export function config(params: Params, i: number): Config {
  const v = params[i];
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw invalidParams(`Invalid params: invalid type: expected a config object at position ${i}`);
  return v as Config;
}

export function pubkey(v: Json | undefined, what = "pubkey"): string {
  if (typeof v !== "string") throw invalidParams(`Invalid params: invalid type: expected a base-58 encoded ${what}`);
  const b = tryDecodeAddress(v);
  if (!b) throw invalidParams(v.length > 44 || v.length < 32 ? "Invalid param: WrongSize" : "Invalid param: Invalid");
  return v;
}

export function commitment(cfg: Config, dflt: Commitment = "finalized"): Commitment {
  const c = cfg.commitment;
  if (c === undefined || c === null) return dflt;
  switch (c) {
    case "processed":
    case "recent":
      return "processed";
    case "confirmed":
    case "single":
    case "singleGossip":
      return "confirmed";
    case "finalized":
    case "root":
    case "max":
      return "finalized";
    default:
      throw invalidParams(`Invalid params: unknown variant \`${String(c)}\`, expected one of \`processed\`, \`confirmed\`, \`finalized\``);
  }
}

/** Commitment for methods that do not support processed (history methods). */
export function historyCommitment(cfg: Config): Commitment {
  const c = commitment(cfg);
  if (c === "processed") throw invalidParams("Method does not support commitment below `confirmed`");
  return c;
}

export function checkMinContextSlot(cfg: Config, chain: Chain, c: Commitment): void {
  const m = cfg.minContextSlot;
  if (typeof m === "number" && m > chain.slotAt(c)) {
    throw new RpcError(MIN_CONTEXT_SLOT_NOT_REACHED, "Minimum context slot has not been reached", { contextSlot: chain.slotAt(c) });
  }
}

export function u64(v: Json | undefined, what: string): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  throw invalidParams(`Invalid params: invalid type: expected u64 for ${what}`);
}

export function bigU64(v: Json | undefined, what: string): bigint {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === "bigint" && v >= 0n && v < 1n << 64n) return v;
  throw invalidParams(`Invalid params: invalid type: expected u64 for ${what}`);
}

export function usize(v: Json | undefined, what: string): number {
  return u64(v, what);
}

export function str(v: Json | undefined, what: string): string {
  if (typeof v !== "string") throw invalidParams(`Invalid params: invalid type: expected a string for ${what}`);
  return v;
}

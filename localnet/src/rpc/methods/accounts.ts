// Account reads: balance, account info, multiple accounts, program accounts.

import type { AccountState } from "../../chain.js";
import { encodeAccount, encodeOptions } from "../../encoding/account.js";
import { decodeBase58 } from "../../encoding/base58.js";
import type { Json } from "../../encoding/json.js";
import { unpackTokenAccount } from "../../solana/token.js";
import { type Handler, withContext } from "../context.js";
import { invalidParams } from "../errors.js";
import { checkMinContextSlot, commitment, config, pubkey } from "../params.js";

const MAX_MULTIPLE_ACCOUNTS = 100;
const MAX_FILTERS = 4;

export type AccountFilter = (addr: string, a: AccountState) => boolean;

export function parseFilters(v: Json | undefined): AccountFilter[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidParams("Invalid params: filters must be an array");
  if (v.length > MAX_FILTERS) throw invalidParams(`Too many filters provided; max ${MAX_FILTERS}`);
  return v.map((f): AccountFilter => {
    const o = f as Record<string, Json>;
    if (o && typeof o === "object" && "dataSize" in o) {
      const n = o.dataSize;
      if (typeof n !== "number") throw invalidParams("Invalid params: dataSize must be a number");
      return (_k, a) => a.data.length === n;
    }
    if (o && typeof o === "object" && "memcmp" in o) {
      const m = o.memcmp as Record<string, Json>;
      const offset = m?.offset;
      const bytes = m?.bytes;
      if (typeof offset !== "number" || typeof bytes !== "string") throw invalidParams("Invalid params: memcmp needs offset and bytes");
      const enc = m.encoding ?? "base58";
      let want: Uint8Array;
      if (enc === "base58") {
        if (bytes.length > 175) throw invalidParams("Invalid param: TooLong");
        try {
          want = decodeBase58(bytes);
        } catch {
          throw invalidParams("Invalid param: DecodeError");
        }
      } else if (enc === "base64") {
        want = new Uint8Array(Buffer.from(bytes, "base64"));
      } else {
        throw invalidParams(`Invalid params: unknown memcmp encoding ${String(enc)}`);
      }
      if (want.length > 128) throw invalidParams("Invalid param: TooLong");
      return (_k, a) => a.data.length >= offset + want.length && Buffer.from(a.data.subarray(offset, offset + want.length)).equals(Buffer.from(want));
    }
    if (o && typeof o === "object" && "tokenAccountState" in o) {
      return (_k, a) => unpackTokenAccount(a.owner, a.data) !== null;
    }
    throw invalidParams("Invalid params: unknown filter");
  });
}

export const accountMethods: Record<string, Handler> = {
  getBalance: (p, { chain }) => {
    const addr = pubkey(p[0]);
    const cfg = config(p, 1);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, chain, c);
    return withContext(chain, c, chain.accountAt(addr, c)?.lamports ?? 0);
  },

  getAccountInfo: (p, { chain }) => {
    const addr = pubkey(p[0]);
    const cfg = config(p, 1);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, chain, c);
    const opts = encodeOptions(cfg, "binary");
    const a = chain.accountAt(addr, c);
    return withContext(chain, c, a ? encodeAccount(chain, a, opts) : null);
  },

  getMultipleAccounts: (p, { chain }) => {
    const keys = p[0];
    if (!Array.isArray(keys)) throw invalidParams("Invalid params: invalid type: expected an array of pubkeys");
    if (keys.length > MAX_MULTIPLE_ACCOUNTS) throw invalidParams(`Too many inputs provided; max ${MAX_MULTIPLE_ACCOUNTS}`);
    const addrs = keys.map((k) => pubkey(k));
    const cfg = config(p, 1);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, chain, c);
    const opts = encodeOptions(cfg, "base64");
    return withContext(
      chain,
      c,
      addrs.map((k) => {
        const a = chain.accountAt(k, c);
        return a ? encodeAccount(chain, a, opts) : null;
      }),
    );
  },

  getProgramAccounts: (p, { chain }) => {
    const program = pubkey(p[0], "program id");
    const cfg = config(p, 1);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, chain, c);
    const opts = encodeOptions(cfg, "binary");
    const filters = parseFilters(cfg.filters);
    const list = chain
      .programAccountsAt(program, c)
      .filter(([k, a]) => filters.every((f) => f(k, a)))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, a]) => ({ pubkey: k, account: encodeAccount(chain, a, opts) }));
    return cfg.withContext === true ? withContext(chain, c, list) : list;
  },
};

// SPL Token reads.

import { encodeAccount, encodeOptions } from "../../encoding/account.js";
import { isTokenProgram, unpackMint, unpackTokenAccount, uiTokenAmount } from "../../solana/token.js";
import { type Handler, withContext } from "../context.js";
import { invalidParams } from "../errors.js";
import { checkMinContextSlot, commitment, config, pubkey } from "../params.js";
import { parseFilters } from "./accounts.js";

export const tokenMethods: Record<string, Handler> = {
  getTokenAccountBalance: (p, { chain }) => {
    const addr = pubkey(p[0]);
    const cfg = config(p, 1);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, chain, c);
    const a = chain.accountAt(addr, c);
    if (!a) throw invalidParams("Invalid param: could not find account");
    const ta = unpackTokenAccount(a.owner, a.data);
    if (!ta) throw invalidParams("Invalid param: not a Token account");
    const decimals = chain.mintDecimals(ta.mint);
    if (decimals === null) throw invalidParams("Invalid param: could not find mint");
    return withContext(chain, c, uiTokenAmount(ta.amount, decimals));
  },

  getTokenSupply: (p, { chain }) => {
    const addr = pubkey(p[0]);
    const cfg = config(p, 1);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, chain, c);
    const a = chain.accountAt(addr, c);
    if (!a) throw invalidParams("Invalid param: could not find mint");
    const m = unpackMint(a.owner, a.data);
    if (!m) throw invalidParams("Invalid param: not a Token mint");
    return withContext(chain, c, uiTokenAmount(m.supply, m.decimals));
  },

  getTokenAccountsByOwner: (p, { chain }) => {
    const owner = pubkey(p[0], "owner");
    const sel = p[1] as Record<string, unknown> | undefined;
    if (!sel || typeof sel !== "object") throw invalidParams("Invalid params: expected a mint or programId filter");
    const cfg = config(p, 2);
    const c = commitment(cfg);
    checkMinContextSlot(cfg, chain, c);
    const opts = encodeOptions(cfg, "binary");
    let programs: string[];
    let mint: string | null = null;
    if (typeof sel.mint === "string") {
      mint = pubkey(sel.mint, "mint");
      const m = chain.accountAt(mint, c);
      if (!m || !unpackMint(m.owner, m.data)) throw invalidParams("Invalid param: could not find mint");
      programs = [m.owner];
    } else if (typeof sel.programId === "string") {
      const pid = pubkey(sel.programId, "program id");
      if (!isTokenProgram(pid)) throw invalidParams("Invalid param: unrecognized Token program id");
      programs = [pid];
    } else {
      throw invalidParams("Invalid params: expected a mint or programId filter");
    }
    const extra = parseFilters(cfg.filters);
    const out: { pubkey: string; account: unknown }[] = [];
    for (const program of programs) {
      for (const [k, a] of chain.programAccountsAt(program, c)) {
        const ta = unpackTokenAccount(a.owner, a.data);
        if (!ta || ta.owner !== owner || (mint !== null && ta.mint !== mint)) continue;
        if (!extra.every((f) => f(k, a))) continue;
        out.push({ pubkey: k, account: encodeAccount(chain, a, opts) });
      }
    }
    out.sort((a, b) => (a.pubkey < b.pubkey ? -1 : a.pubkey > b.pubkey ? 1 : 0));
    return withContext(chain, c, out);
  },
};

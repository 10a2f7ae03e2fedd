// SPL Token (and the base layout of Token-2022) account and mint layouts, and their
// jsonParsed / UiTokenAmount forms as Agave's account decoder writes them.

import { decodeBase58, encodeBase58 } from "../encoding/base58.js";
import { F64 } from "../encoding/json.js";
import { TOKEN_2022_PROGRAM, TOKEN_PROGRAM } from "./constants.js";

export const MINT_LEN = 82;
export const ACCOUNT_LEN = 165;

export function isTokenProgram(owner: string): boolean {
  return owner === TOKEN_PROGRAM || owner === TOKEN_2022_PROGRAM;
}

export interface Mint {
  mintAuthority: string | null;
  supply: bigint;
  decimals: number;
  isInitialized: boolean;
  freezeAuthority: string | null;
}

export interface TokenAccount {
  mint: string;
  owner: string;
  amount: bigint;
  delegate: string | null;
  state: number; // 0 uninitialized, 1 initialized, 2 frozen
  isNative: bigint | null;
  delegatedAmount: bigint;
  closeAuthority: string | null;
}

function view(d: Uint8Array): DataView {
  return new DataView(d.buffer, d.byteOffset, d.byteLength);
}

function coptKey(d: Uint8Array, off: number): string | null {
  return view(d).getUint32(off, true) === 1 ? encodeBase58(d.subarray(off + 4, off + 36)) : null;
}

/** Token-2022 accounts longer than the base layout carry an account-type byte at 165. */
function accountType(data: Uint8Array): number | null {
  return data.length > ACCOUNT_LEN ? data[ACCOUNT_LEN] : null;
}

export function unpackMint(owner: string, data: Uint8Array): Mint | null {
  if (!isTokenProgram(owner)) return null;
  if (data.length === MINT_LEN || (owner === TOKEN_2022_PROGRAM && data.length > ACCOUNT_LEN && accountType(data) === 1)) {
    const v = view(data);
    const isInitialized = data[45] === 1;
    if (!isInitialized) return null;
    return {
      mintAuthority: coptKey(data, 0),
      supply: v.getBigUint64(36, true),
      decimals: data[44],
      isInitialized,
      freezeAuthority: coptKey(data, 46),
    };
  }
  return null;
}

export function unpackTokenAccount(owner: string, data: Uint8Array): TokenAccount | null {
  if (!isTokenProgram(owner)) return null;
  if (data.length === ACCOUNT_LEN || (owner === TOKEN_2022_PROGRAM && data.length > ACCOUNT_LEN && accountType(data) === 2)) {
    const v = view(data);
    const state = data[108];
    if (state === 0) return null;
    return {
      mint: encodeBase58(data.subarray(0, 32)),
      owner: encodeBase58(data.subarray(32, 64)),
      amount: v.getBigUint64(64, true),
      delegate: coptKey(data, 72),
      state,
      isNative: v.getUint32(109, true) === 1 ? v.getBigUint64(113, true) : null,
      delegatedAmount: v.getBigUint64(121, true),
      closeAuthority: coptKey(data, 129),
    };
  }
  return null;
}

function putCoptKey(d: Uint8Array, off: number, key: string | null): void {
  if (key === null) return;
  view(d).setUint32(off, 1, true);
  d.set(decodeBase58(key), off + 4);
}

export function packMint(m: Mint): Uint8Array {
  const d = new Uint8Array(MINT_LEN);
  putCoptKey(d, 0, m.mintAuthority);
  view(d).setBigUint64(36, m.supply, true);
  d[44] = m.decimals;
  d[45] = m.isInitialized ? 1 : 0;
  putCoptKey(d, 46, m.freezeAuthority);
  return d;
}

export function packTokenAccount(a: TokenAccount): Uint8Array {
  const d = new Uint8Array(ACCOUNT_LEN);
  const v = view(d);
  d.set(decodeBase58(a.mint), 0);
  d.set(decodeBase58(a.owner), 32);
  v.setBigUint64(64, a.amount, true);
  putCoptKey(d, 72, a.delegate);
  d[108] = a.state;
  if (a.isNative !== null) {
    v.setUint32(109, 1, true);
    v.setBigUint64(113, a.isNative, true);
  }
  v.setBigUint64(121, a.delegatedAmount, true);
  putCoptKey(d, 129, a.closeAuthority);
  return d;
}

/** Agave's real_number_string_trimmed. */
export function uiAmountString(amount: bigint, decimals: number): string {
  if (decimals === 0) return amount.toString();
  const s = amount.toString().padStart(decimals + 1, "0");
  const int = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, "");
  return frac.length > 0 ? `${int}.${frac}` : int;
}

export interface UiTokenAmount {
  uiAmount: F64 | null;
  decimals: number;
  amount: string;
  uiAmountString: string;
}

/**
 * UiTokenAmount. zeroAsNull mirrors transaction token balances read back from the
 * ledger, where Agave answers a zero uiAmount as null.
 */
export function uiTokenAmount(amount: bigint, decimals: number, zeroAsNull = false): UiTokenAmount {
  const ui = Number(amount) / 10 ** decimals;
  return {
    uiAmount: zeroAsNull && amount === 0n ? null : new F64(ui),
    decimals,
    amount: amount.toString(),
    uiAmountString: uiAmountString(amount, decimals),
  };
}

/** The `parsed` part of a jsonParsed token account or mint; null when not parseable. */
export function parseTokenData(
  owner: string,
  data: Uint8Array,
  mintDecimals: (mint: string) => number | null,
): { program: string; parsed: unknown; space: number } | null {
  const program = owner === TOKEN_PROGRAM ? "spl-token" : "spl-token-2022";
  const acct = unpackTokenAccount(owner, data);
  if (acct) {
    const decimals = mintDecimals(acct.mint);
    if (decimals === null) return null;
    const info: Record<string, unknown> = {
      isNative: acct.isNative !== null,
      mint: acct.mint,
      owner: acct.owner,
      state: acct.state === 2 ? "frozen" : "initialized",
      tokenAmount: uiTokenAmount(acct.amount, decimals),
    };
    if (acct.delegate !== null) {
      info.delegate = acct.delegate;
      info.delegatedAmount = uiTokenAmount(acct.delegatedAmount, decimals);
    }
    if (acct.isNative !== null) info.rentExemptReserve = uiTokenAmount(acct.isNative, decimals);
    if (acct.closeAuthority !== null) info.closeAuthority = acct.closeAuthority;
    return { program, parsed: { info, type: "account" }, space: data.length };
  }
  const mint = unpackMint(owner, data);
  if (mint) {
    return {
      program,
      parsed: {
        info: {
          decimals: mint.decimals,
          freezeAuthority: mint.freezeAuthority,
          isInitialized: mint.isInitialized,
          mintAuthority: mint.mintAuthority,
          supply: mint.supply.toString(),
        },
        type: "mint",
      },
      space: data.length,
    };
  }
  return null;
}

// UiAccount: an account as the RPC returns it, in each supported encoding.

import type { AccountState, Chain } from "../chain.js";
import { RpcError, INVALID_REQUEST, invalidParams } from "../rpc/errors.js";
import type { Config } from "../rpc/params.js";
import { RENT_EPOCH_EXEMPT } from "../solana/constants.js";
import { parseTokenData } from "../solana/token.js";
import { encodeBase58 } from "./base58.js";

export type AccountEncoding = "binary" | "base58" | "base64" | "base64+zstd" | "jsonParsed";

export interface DataSlice {
  offset: number;
  length: number;
}

export interface EncodeOptions {
  encoding: AccountEncoding;
  dataSlice: DataSlice | null;
}

export function encodeOptions(cfg: Config, dflt: AccountEncoding): EncodeOptions {
  const e = cfg.encoding ?? dflt;
  if (e !== "binary" && e !== "base58" && e !== "base64" && e !== "base64+zstd" && e !== "jsonParsed") {
    throw invalidParams(`Invalid params: unknown variant \`${String(e)}\`, expected one of \`binary\`, \`base58\`, \`base64\`, \`jsonParsed\`, \`base64+zstd\``);
  }
  if (e === "base64+zstd") {
    // Node 20's zlib has no zstd; say so rather than answer in another encoding.
    throw invalidParams("Invalid params: base64+zstd encoding is not supported by the gpunet localnet; use base64");
  }
  let dataSlice: DataSlice | null = null;
  const ds = cfg.dataSlice;
  if (ds !== undefined && ds !== null) {
    const o = ds as { offset?: unknown; length?: unknown };
    if (typeof o.offset !== "number" || typeof o.length !== "number") throw invalidParams("Invalid params: dataSlice needs offset and length");
    dataSlice = { offset: o.offset, length: o.length };
  }
  return { encoding: e, dataSlice };
}

function slice(data: Uint8Array, s: DataSlice | null): Uint8Array {
  if (!s) return data;
  if (s.offset >= data.length) return new Uint8Array(0);
  return data.subarray(s.offset, Math.min(data.length, s.offset + s.length));
}

const MAX_BASE58_BYTES = 128;

export function encodeAccount(chain: Chain, a: AccountState, opts: EncodeOptions): unknown {
  const base = {
    lamports: a.lamports,
    owner: a.owner,
    executable: a.executable,
    rentEpoch: RENT_EPOCH_EXEMPT,
    space: a.data.length,
  };
  let data: unknown;
  const sliced = slice(a.data, opts.dataSlice);
  switch (opts.encoding) {
    case "binary":
    case "base58":
      if (sliced.length > MAX_BASE58_BYTES) {
        throw new RpcError(
          INVALID_REQUEST,
          "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.",
        );
      }
      data = opts.encoding === "binary" ? encodeBase58(sliced) : [encodeBase58(sliced), "base58"];
      break;
    case "jsonParsed": {
      const parsed = opts.dataSlice ? null : parseTokenData(a.owner, a.data, (m) => chain.mintDecimals(m));
      data = parsed ?? [Buffer.from(sliced).toString("base64"), "base64"];
      break;
    }
    default:
      data = [Buffer.from(sliced).toString("base64"), "base64"];
  }
  return { data, ...base };
}

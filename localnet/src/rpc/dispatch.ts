// JSON-RPC 2.0 dispatch: single and batch requests, ids echoed exactly.

import { parseJson, stringifyJson, JsonSyntaxError, type Json } from "../encoding/json.js";
import type { Handler, RpcContext } from "./context.js";
import { INTERNAL_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, RpcError } from "./errors.js";
import { accountMethods } from "./methods/accounts.js";
import { blockMethods } from "./methods/blocks.js";
import { clusterMethods } from "./methods/cluster.js";
import { tokenMethods } from "./methods/tokens.js";
import { transactionMethods } from "./methods/transactions.js";

export const METHODS: Record<string, Handler> = {
  ...clusterMethods,
  ...accountMethods,
  ...tokenMethods,
  ...transactionMethods,
  ...blockMethods,
};

type Resp = Record<string, unknown>;

function errorResp(id: Json | undefined, e: RpcError): Resp {
  const error: Record<string, unknown> = { code: e.code, message: e.message };
  if (e.data !== undefined) error.data = e.data;
  return { jsonrpc: "2.0", error, id: id ?? null };
}

export function handleOne(req: Json, ctx: RpcContext, log: (msg: string) => void): Resp | null {
  if (req === null || typeof req !== "object" || Array.isArray(req) || req instanceof Object === false) {
    return errorResp(null, new RpcError(INVALID_REQUEST, "Invalid request"));
  }
  const r = req as Record<string, Json>;
  const id = r.id;
  if (r.jsonrpc !== "2.0" || typeof r.method !== "string") return errorResp(id ?? null, new RpcError(INVALID_REQUEST, "Invalid request"));
  const handler = Object.prototype.hasOwnProperty.call(METHODS, r.method) ? METHODS[r.method] : undefined;
  if (!handler) return errorResp(id, new RpcError(METHOD_NOT_FOUND, "Method not found"));
  const params = r.params === undefined || r.params === null ? [] : r.params;
  if (!Array.isArray(params)) return errorResp(id, new RpcError(-32602, "Invalid params: invalid type: map, expected a sequence"));
  try {
    const result = handler(params, ctx);
    if (id === undefined) return null; // notification
    return { jsonrpc: "2.0", result: result === undefined ? null : result, id };
  } catch (e) {
    if (e instanceof RpcError) return errorResp(id, e);
    log(`rpc ${r.method}: internal error: ${(e as Error).stack ?? String(e)}`);
    return errorResp(id, new RpcError(INTERNAL_ERROR, "Internal error"));
  }
}

/** Handles a request body; returns the response body (or null when there is none). */
export function handleBody(body: string, ctx: RpcContext, log: (msg: string) => void): string | null {
  let req: Json;
  try {
    req = parseJson(body);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return stringifyJson(errorResp(null, new RpcError(PARSE_ERROR, "Parse error")));
    throw e;
  }
  if (Array.isArray(req)) {
    if (req.length === 0) return stringifyJson(errorResp(null, new RpcError(INVALID_REQUEST, "Invalid request")));
    const out = req.map((r) => handleOne(r, ctx, log)).filter((x): x is Resp => x !== null);
    return out.length > 0 ? stringifyJson(out) : null;
  }
  const one = handleOne(req, ctx, log);
  return one ? stringifyJson(one) : null;
}

// What every RPC method handler gets.

import type { Chain, Commitment } from "../chain.js";
import type { Json } from "../encoding/json.js";
import type { Keypair } from "../devkeys.js";
import { SOLANA_CORE_VERSION } from "../solana/constants.js";
import type { Params } from "./params.js";

export interface RpcContext {
  chain: Chain;
  faucet: Keypair;
}

export type Handler = (params: Params, ctx: RpcContext) => Json | unknown;

export function withContext(chain: Chain, c: Commitment, value: unknown): unknown {
  return { context: { apiVersion: SOLANA_CORE_VERSION, slot: chain.slotAt(c) }, value };
}

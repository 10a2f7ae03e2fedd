// RpcSimulateTransactionResult from an execution result.

import type { ExecResult } from "../../chain.js";
import { uiTokenBalances } from "../txui.js";

export function TxMetaToSimulation(
  r: ExecResult,
  extra: { accounts: unknown[] | null; innerInstructions: unknown[] | null; replacementBlockhash: unknown | null },
): Record<string, unknown> {
  const m = r.meta;
  return {
    err: r.err ? r.err.json : null,
    logs: m.logMessages,
    accounts: extra.accounts,
    unitsConsumed: m.computeUnitsConsumed,
    returnData: m.returnData ? { programId: m.returnData.programId, data: [m.returnData.data, "base64"] } : null,
    innerInstructions: extra.innerInstructions,
    replacementBlockhash: extra.replacementBlockhash,
    fee: r.landed ? m.fee : null,
    preBalances: m.preBalances.length > 0 ? m.preBalances : null,
    postBalances: m.postBalances.length > 0 ? m.postBalances : null,
    preTokenBalances: m.preBalances.length > 0 ? uiTokenBalances(m.preTokenBalances) : null,
    postTokenBalances: m.postBalances.length > 0 ? uiTokenBalances(m.postTokenBalances) : null,
    loadedAddresses: m.loadedAddresses,
  };
}

// Where the chain answers: the localnet's RPC by default when the page is served from this
// machine, else what ?rpc= or the saved setting says (the API serves no keys and no RPC).
import { createSolanaRpc, type Rpc, type SolanaRpcApi } from "@solana/kit";
import { isLocal } from "./local";

export function rpcUrl(): string {
  try {
    const q = new URLSearchParams(location.search).get("rpc");
    if (q) localStorage.setItem("gpunet.rpc", q);
    const saved = q ?? localStorage.getItem("gpunet.rpc");
    if (saved) return saved;
  } catch {
    /* no storage */
  }
  return isLocal() ? "http://127.0.0.1:8899" : "https://api.mainnet-beta.solana.com";
}


let rpc: Rpc<SolanaRpcApi> | undefined;
let rpcFor = "";
export function getRpc(): Rpc<SolanaRpcApi> {
  const u = rpcUrl();
  if (!rpc || rpcFor !== u) {
    rpc = createSolanaRpc(u);
    rpcFor = u;
  }
  return rpc;
}

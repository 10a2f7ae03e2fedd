// The job's spec on the oracles' relay (internal/jobrelay.PublishSpec): PUT
// <oracle>/v1/jobs/<job>/spec with the body signed by the renter's wallet over
// "gpunet/worker-request/v1\0" + body (wire.Sign with wire.DomainRequest).
import { getBase58Decoder } from "@solana/kit";
import type { Wallet, WalletAccount } from "@wallet-standard/base";
import { SolanaSignMessage, type SolanaSignMessageFeature } from "@solana/wallet-standard-features";

export const DOMAIN_REQUEST = "gpunet/worker-request/v1\u0000";

/** oracleUrls are the oracles' relays the page was told of (?oracle=, comma-separated; saved). */
export function oracleUrls(): string[] {
  try {
    const q = new URLSearchParams(location.search).get("oracle");
    if (q) localStorage.setItem("gpunet.oracles", q);
    return (q ?? localStorage.getItem("gpunet.oracles") ?? "").split(",").map((s) => s.trim().replace(/\/$/, "")).filter(Boolean);
  } catch {
    return [];
  }
}

export async function publishSpec(wallet: Wallet, account: WalletAccount, oracle: string, job: string, body: string): Promise<void> {
  const f = (wallet.features as Partial<SolanaSignMessageFeature>)[SolanaSignMessage];
  if (!f) throw new Error(`${wallet.name} cannot sign messages: publish the spec with gpunet deploy`);
  const bytes = new TextEncoder().encode(body);
  const msg = new Uint8Array([...new TextEncoder().encode(DOMAIN_REQUEST), ...bytes]);
  const [{ signature }] = await f.signMessage({ account, message: msg });
  const res = await fetch(`${oracle}/v1/jobs/${job}/spec`, {
    method: "PUT",
    body: bytes,
    headers: { "Content-Type": "application/json", "X-Gpunet-Key": account.address, "X-Gpunet-Signature": getBase58Decoder().decode(signature) },
  });
  if (!res.ok) throw new Error(`${oracle} refused the spec: ${res.status} ${await res.text()}`);
}

// The job's spec on the oracles' relay (internal/jobrelay.PublishSpec): PUT
// <oracle>/v1/jobs/<job>/spec with the body signed by the renter's wallet over
// "gpunet/worker-request/v1\0" + body (wire.Sign with wire.DomainRequest).
import { getBase58Decoder } from "@solana/kit";
import type { Wallet, WalletAccount } from "@wallet-standard/base";
import { SolanaSignMessage, type SolanaSignMessageFeature } from "@solana/wallet-standard-features";
import { api } from "../api/client";

export const DOMAIN_REQUEST = "gpunet/worker-request/v1\u0000";

/**
 * relayUrls are the oracles' relays: those the page was told of (?oracle=, comma-separated;
 * saved), else those the indexer asks (/v1/oracles).
 */
export async function relayUrls(s?: AbortSignal): Promise<string[]> {
  const told = oracleUrls();
  return told.length > 0 ? told : (await api.oracles(s)).urls;
}

function oracleUrls(): string[] {
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

/** Cluster is what the head's announcement on the relay says of a running job's Ray cluster. */
export interface Cluster {
  address: string; // the head's host
  rayAddress: string; // host:gcs_port, for `ray job submit --address`
  dashboard: string; // http://host:dashboard_port
  sealedForRenter: Uint8Array | undefined; // the job's Ray token sealed to the renter's job key
}

const b64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** readCluster reads the job's board on an oracle's relay (wire.JobBoard) and finds the head's announcement. */
export async function readCluster(oracle: string, job: string): Promise<Cluster | undefined> {
  const res = await fetch(`${oracle}/v1/jobs/${job}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`${oracle}: ${res.status} ${await res.text()}`);
  const board = (await res.json()) as { nodes?: Record<string, { body: string }> };
  for (const entry of Object.values(board.nodes ?? {})) {
    const ann = JSON.parse(new TextDecoder().decode(b64(entry.body))) as {
      address: string;
      head?: { gcs_port: number; dashboard_port: number; sealed?: Record<string, string> };
    };
    if (!ann.head) continue;
    const host = ann.address.includes(":") && !ann.address.startsWith("[") ? `[${ann.address}]` : ann.address;
    return {
      address: ann.address,
      rayAddress: `${host}:${ann.head.gcs_port}`,
      dashboard: `http://${host}:${ann.head.dashboard_port}`,
      sealedForRenter: ann.head.sealed?.renter ? b64(ann.head.sealed.renter) : undefined,
    };
  }
  return undefined;
}

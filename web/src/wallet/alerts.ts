// The provider's webhooks (indexer/alerts): each request signed by the owner's wallet with
// signMessage over exactly the messages alerts.RegisterMessage, ListMessage and DeleteMessage make.
import { getBase58Decoder } from "@solana/kit";
import type { Wallet, WalletAccount } from "@wallet-standard/base";
import { SolanaSignMessage, type SolanaSignMessageFeature } from "@solana/wallet-standard-features";
import { apiBase } from "../api/client";

export const ALERT_EVENTS = ["device.offline", "device.unhealthy", "device.slashed"] as const;
const header = "gpunet alerts v1\n";

export const registerMessage = (owner: string, url: string, events: string[], ts: number) =>
  `${header}action: register\nowner: ${owner}\nurl: ${url}\nevents: ${[...events].sort().join(",")}\ntimestamp: ${ts}`;
export const listMessage = (owner: string, ts: number) => `${header}action: list\nowner: ${owner}\ntimestamp: ${ts}`;
export const deleteMessage = (owner: string, id: number, ts: number) => `${header}action: delete\nowner: ${owner}\nwebhook: ${id}\ntimestamp: ${ts}`;

export interface Webhook {
  id: number;
  owner: string;
  url: string;
  events: string[];
  created_at: string;
  secret?: string;
}

async function sign(wallet: Wallet, account: WalletAccount, text: string): Promise<string> {
  const f = (wallet.features as Partial<SolanaSignMessageFeature>)[SolanaSignMessage];
  if (!f) throw new Error(`${wallet.name} cannot sign messages`);
  const [{ signature }] = await f.signMessage({ account, message: new TextEncoder().encode(text) });
  return getBase58Decoder().decode(signature);
}

async function answer<T>(res: Response): Promise<T> {
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.detail ?? `${res.status} ${res.statusText}`);
  return body as T;
}

const now = () => Math.floor(Date.now() / 1000);

export async function registerWebhook(wallet: Wallet, account: WalletAccount, url: string, events: string[]): Promise<Webhook> {
  const ts = now();
  const signature = await sign(wallet, account, registerMessage(account.address, url, events, ts));
  return answer(
    await fetch(`${apiBase()}/v1/alerts/webhooks`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ owner: account.address, url, events, timestamp: ts, signature }),
    }),
  );
}

export async function listWebhooks(wallet: Wallet, account: WalletAccount): Promise<Webhook[]> {
  const ts = now();
  const signature = await sign(wallet, account, listMessage(account.address, ts));
  const q = new URLSearchParams({ owner: account.address, timestamp: String(ts), signature });
  return (await answer<{ webhooks: Webhook[] }>(await fetch(`${apiBase()}/v1/alerts/webhooks?${q}`))).webhooks;
}

export async function deleteWebhook(wallet: Wallet, account: WalletAccount, id: number): Promise<void> {
  const ts = now();
  const signature = await sign(wallet, account, deleteMessage(account.address, id, ts));
  const q = new URLSearchParams({ owner: account.address, timestamp: String(ts), signature });
  const res = await fetch(`${apiBase()}/v1/alerts/webhooks/${id}?${q}`, { method: "DELETE" });
  if (!res.ok) await answer(res);
}

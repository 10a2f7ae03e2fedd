import { useState, type ReactNode } from "react";
import type { Instruction } from "@solana/kit";
import { TxLink } from "../components/ui";
import { useApi } from "../api/hooks";
import { getRpc } from "../lib/net";
import { useWallet } from "./context";
import { send } from "./send";
import { loadNetwork, type Network } from "./tx";

/** useNetwork reads the mints and the registry's Config from the chain once per page. */
export function useNetwork() {
  return useApi((_s) => loadNetwork(getRpc()), []);
}

/** RequireWallet shows its children with the connected account, or asks to connect. */
export function RequireWallet({ children, what }: { children: (account: string) => ReactNode; what: string }) {
  const { account } = useWallet();
  if (!account) return <p className="hint">Connect a wallet (top right) to {what}.</p>;
  return <>{children(account.address)}</>;
}

/**
 * ActionButton builds a transaction's instructions, has the connected wallet sign it and sends
 * it, showing its progress, its signature, or the chain's error by name.
 */
export function ActionButton({ label, build, net, onDone, disabled, testid }: { label: string; build: (net: Network, me: string) => Promise<Instruction[]>; net: Network | undefined; onDone?: () => void; disabled?: boolean; testid?: string }) {
  const { wallet, account } = useWallet();
  const [status, setStatus] = useState<string>();
  const [sig, setSig] = useState<string>();
  const [error, setError] = useState<string>();
  const busy = status !== undefined;
  const run = async () => {
    if (!wallet || !account || !net) return;
    setError(undefined);
    setSig(undefined);
    setStatus("building");
    try {
      const ixs = await build(net, account.address);
      const s = await send(wallet, account, ixs, setStatus);
      setSig(s);
      onDone?.();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setStatus(undefined);
    }
  };
  return (
    <span className="action">
      <button type="button" className="primary" onClick={run} disabled={busy || disabled || !net || !account} data-testid={testid}>
        {busy ? `${label}: ${status}…` : label}
      </button>{" "}
      {sig && (
        <span className="ok-text" role="status" data-testid={testid ? `${testid}-ok` : undefined}>
          done: <TxLink k={sig} />
        </span>
      )}
      {error && (
        <span className="error-text" role="alert" data-testid={testid ? `${testid}-error` : undefined}>
          {error}
        </span>
      )}
    </span>
  );
}

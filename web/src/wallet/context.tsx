import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { getWallets } from "@wallet-standard/app";
import type { Wallet, WalletAccount } from "@wallet-standard/base";
import { StandardConnect, StandardDisconnect, StandardEvents, type StandardConnectFeature, type StandardDisconnectFeature, type StandardEventsFeature } from "@wallet-standard/features";
import { SolanaSignTransaction } from "@solana/wallet-standard-features";
import { isLocal } from "../lib/local";

interface State {
  wallets: readonly Wallet[]; // those that can sign Solana transactions
  wallet: Wallet | undefined;
  account: WalletAccount | undefined;
  connect: (w: Wallet) => Promise<void>;
  disconnect: () => Promise<void>;
  error: string | undefined;
}

const Ctx = createContext<State>({ wallets: [], wallet: undefined, account: undefined, connect: async () => {}, disconnect: async () => {}, error: undefined });

const usable = (w: Wallet) => SolanaSignTransaction in w.features && StandardConnect in w.features;

/**
 * WalletProvider lists the Wallet Standard wallets the browser has (extensions register
 * themselves; on a local network the localnet wallet too) and keeps the connected account.
 */
export function WalletProvider({ children }: { children: ReactNode }) {
  const [wallets, setWallets] = useState<readonly Wallet[]>([]);
  const [wallet, setWallet] = useState<Wallet>();
  const [account, setAccount] = useState<WalletAccount>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    // the localnet wallet (and @solana/kit with it) loads only on a local network
    if (isLocal()) void import("./local").then((m) => m.registerLocalWallet());
    const api = getWallets();
    const refresh = () => setWallets(api.get().filter(usable));
    refresh();
    const offs = [api.on("register", refresh), api.on("unregister", refresh)];
    return () => offs.forEach((o) => o());
  }, []);
  useEffect(() => {
    if (!wallet) return;
    const events = (wallet.features as Partial<StandardEventsFeature>)[StandardEvents];
    return events?.on("change", ({ accounts }) => {
      if (accounts) setAccount(accounts[0]);
    });
  }, [wallet]);
  const connect = async (w: Wallet) => {
    setError(undefined);
    try {
      const { accounts } = await (w.features as StandardConnectFeature)[StandardConnect].connect();
      setWallet(w);
      setAccount(accounts[0]);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const disconnect = async () => {
    await (wallet?.features as Partial<StandardDisconnectFeature> | undefined)?.[StandardDisconnect]?.disconnect();
    setWallet(undefined);
    setAccount(undefined);
  };
  return <Ctx.Provider value={{ wallets, wallet, account, connect, disconnect, error }}>{children}</Ctx.Provider>;
}

export const useWallet = () => useContext(Ctx);

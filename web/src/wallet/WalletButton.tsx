import { useRef } from "react";
import { shortKey } from "../lib/format";
import { useWallet } from "./context";

/** WalletButton connects one of the browser's Wallet Standard wallets or shows the connected account. */
export function WalletButton() {
  const { wallets, wallet, account, connect, disconnect, error } = useWallet();
  const dialog = useRef<HTMLDialogElement>(null);
  if (wallet && account)
    return (
      <button type="button" onClick={disconnect} title={`${wallet.name}: ${account.address}. Click to disconnect.`} data-testid="wallet-account">
        {shortKey(account.address)} · disconnect
      </button>
    );
  return (
    <>
      <button type="button" className="primary" onClick={() => dialog.current?.showModal()}>
        Connect wallet
      </button>
      <dialog ref={dialog} aria-labelledby="wallet-title">
        <h2 id="wallet-title">Connect a wallet</h2>
        {wallets.length === 0 && <p>No Solana wallet found in this browser. Install Phantom, Solflare or Backpack, then reload.</p>}
        <ul className="checklist">
          {wallets.map((w) => (
            <li key={w.name}>
              <button
                type="button"
                onClick={async () => {
                  await connect(w);
                  dialog.current?.close();
                }}
              >
                <img src={w.icon} alt="" width={20} height={20} style={{ verticalAlign: "middle" }} /> {w.name}
              </button>
            </li>
          ))}
        </ul>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </dialog>
    </>
  );
}

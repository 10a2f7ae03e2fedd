// The localnet wallet: a Wallet Standard wallet (registerWallet) holding one keypair that the
// page or a test gives it (window.gpunetLocalWallet.load), never the server. The app reaches
// it exactly as it reaches Phantom, Solflare or Backpack: through the standard's features.
import {
  createKeyPairFromBytes,
  getAddressFromPublicKey,
  getTransactionDecoder,
  getTransactionEncoder,
  signBytes,
  type Address,
  type SignatureBytes,
} from "@solana/kit";
import type { Wallet, WalletAccount, WalletIcon } from "@wallet-standard/base";
import type { StandardConnectFeature, StandardDisconnectFeature, StandardEventsFeature, StandardEventsListeners, StandardEventsNames } from "@wallet-standard/features";
import type { SolanaSignMessageFeature, SolanaSignTransactionFeature } from "@solana/wallet-standard-features";
import { registerWallet } from "@wallet-standard/wallet";

export const LOCAL_WALLET_NAME = "gpunet localnet";
const CHAIN = "solana:localnet" as const;
const icon: WalletIcon =
  "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAzMiAzMiI+PHJlY3Qgd2lkdGg9IjMyIiBoZWlnaHQ9IjMyIiByeD0iNiIgZmlsbD0iIzFmNmI0YSIvPjx0ZXh0IHg9IjE2IiB5PSIyMiIgZm9udC1zaXplPSIxNiIgdGV4dC1hbmNob3I9Im1pZGRsZSIgZmlsbD0id2hpdGUiPkw8L3RleHQ+PC9zdmc+";

/** signTransactionBytes signs a wire transaction's message with keys and writes the signature in its slot. */
export async function signTransactionBytes(wire: Uint8Array, keys: CryptoKeyPair, signer: Address): Promise<Uint8Array> {
  const tx = getTransactionDecoder().decode(wire);
  if (!(signer in tx.signatures)) throw new Error(`the transaction does not ask ${signer} to sign`);
  const sig = await signBytes(keys.privateKey, tx.messageBytes);
  const signed = { ...tx, signatures: { ...tx.signatures, [signer]: sig as SignatureBytes } };
  return new Uint8Array(getTransactionEncoder().encode(signed));
}

class Account implements WalletAccount {
  readonly chains = [CHAIN] as const;
  readonly features = ["solana:signTransaction", "solana:signMessage"] as const;
  constructor(
    readonly address: string,
    readonly publicKey: Uint8Array,
  ) {}
}

export class LocalWallet implements Wallet {
  readonly version = "1.0.0" as const;
  readonly name = LOCAL_WALLET_NAME;
  readonly icon = icon;
  readonly chains = [CHAIN];
  #keys: CryptoKeyPair | undefined;
  #account: Account | undefined;
  #connected = false;
  #listeners: { [E in StandardEventsNames]?: StandardEventsListeners[E][] } = {};

  get accounts(): readonly WalletAccount[] {
    return this.#connected && this.#account ? [this.#account] : [];
  }

  /** load takes a 64-byte secret key (the Solana CLI's keypair file's numbers). */
  async load(secret: Uint8Array | number[]): Promise<string> {
    const bytes = Uint8Array.from(secret);
    if (bytes.length !== 64) throw new Error("a keypair is 64 bytes");
    this.#keys = await createKeyPairFromBytes(bytes);
    const addr = await getAddressFromPublicKey(this.#keys.publicKey);
    this.#account = new Account(addr, bytes.slice(32));
    if (this.#connected) this.#emit();
    return addr;
  }

  get features(): StandardConnectFeature & StandardDisconnectFeature & StandardEventsFeature & SolanaSignTransactionFeature & SolanaSignMessageFeature {
    return {
      "standard:connect": {
        version: "1.0.0",
        connect: async () => {
          if (!this.#account) throw new Error("the localnet wallet has no key: load one (window.gpunetLocalWallet.load)");
          this.#connected = true;
          this.#emit();
          return { accounts: this.accounts };
        },
      },
      "standard:disconnect": {
        version: "1.0.0",
        disconnect: async () => {
          this.#connected = false;
          this.#emit();
        },
      },
      "standard:events": {
        version: "1.0.0",
        on: (event, listener) => {
          ((this.#listeners[event] ??= []) as StandardEventsListeners[typeof event][]).push(listener);
          return () => {
            this.#listeners[event] = (this.#listeners[event] as StandardEventsListeners[typeof event][] | undefined)?.filter((l) => l !== listener) as never;
          };
        },
      },
      "solana:signTransaction": {
        version: "1.0.0",
        supportedTransactionVersions: ["legacy", 0],
        signTransaction: async (...inputs) => {
          const out = [];
          for (const input of inputs) {
            if (!this.#keys || !this.#account || input.account.address !== this.#account.address) throw new Error("not this wallet's account");
            out.push({ signedTransaction: await signTransactionBytes(input.transaction, this.#keys, this.#account.address as Address) });
          }
          return out;
        },
      },
      "solana:signMessage": {
        version: "1.0.0",
        signMessage: async (...inputs) => {
          const out = [];
          for (const input of inputs) {
            if (!this.#keys || !this.#account || input.account.address !== this.#account.address) throw new Error("not this wallet's account");
            out.push({ signedMessage: input.message, signature: new Uint8Array(await signBytes(this.#keys.privateKey, input.message)) });
          }
          return out;
        },
      },
    };
  }

  #emit() {
    for (const l of this.#listeners.change ?? []) l({ accounts: this.accounts });
  }
}

declare global {
  interface Window {
    gpunetLocalWallet?: LocalWallet;
  }
}

/** registerLocalWallet registers the localnet wallet once and exposes it for keys. */
export function registerLocalWallet(): LocalWallet {
  if (!window.gpunetLocalWallet) {
    window.gpunetLocalWallet = new LocalWallet();
    registerWallet(window.gpunetLocalWallet);
  }
  return window.gpunetLocalWallet;
}

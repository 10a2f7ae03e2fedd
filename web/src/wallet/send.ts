// The one path every wallet's transaction takes: instructions from the generated client ->
// a v0 message paid by the wallet's account -> the wallet's solana:signTransaction (Phantom,
// Solflare, Backpack or the localnet wallet alike) -> sent and confirmed through the RPC.
import {
  address,
  appendTransactionMessageInstructions,
  compileTransaction,
  createTransactionMessage,
  getBase64EncodedWireTransaction,
  getSignatureFromTransaction,
  getTransactionDecoder,
  getTransactionEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Address,
  type Blockhash,
  type Instruction,
  type Signature,
} from "@solana/kit";
import type { Wallet, WalletAccount } from "@wallet-standard/base";
import { SolanaSignTransaction, type SolanaSignTransactionFeature } from "@solana/wallet-standard-features";
import { getRpc } from "../lib/net";
import { chainErrorOf, describeError } from "./errors";

/** buildTransaction is the wire transaction (unsigned) of instructions paid by feePayer. */
export function buildTransaction(feePayer: Address, instructions: readonly Instruction[], lifetime: { blockhash: Blockhash; lastValidBlockHeight: bigint }): Uint8Array {
  const msg = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  return new Uint8Array(getTransactionEncoder().encode(compileTransaction(msg)));
}

export class ChainError extends Error {}

/** send has the wallet sign the instructions and sends them; it resolves when confirmed. */
export async function send(wallet: Wallet, account: WalletAccount, instructions: readonly Instruction[], onStatus?: (s: string) => void): Promise<Signature> {
  const feature = (wallet.features as Partial<SolanaSignTransactionFeature>)[SolanaSignTransaction];
  if (!feature) throw new Error(`${wallet.name} cannot sign Solana transactions`);
  const rpc = getRpc();
  const { value: lifetime } = await rpc.getLatestBlockhash({ commitment: "confirmed" }).send();
  const wire = buildTransaction(address(account.address), instructions, lifetime);
  onStatus?.(`waiting for ${wallet.name} to sign`);
  const chain = account.chains.find((c) => c.startsWith("solana:")) ?? "solana:localnet";
  const [{ signedTransaction }] = await feature.signTransaction({ transaction: wire, account, chain: chain as `${string}:${string}` });
  const tx = getTransactionDecoder().decode(signedTransaction);
  const sig = getSignatureFromTransaction(tx);
  onStatus?.("sending");
  try {
    await rpc.sendTransaction(getBase64EncodedWireTransaction(tx), { encoding: "base64", preflightCommitment: "confirmed" }).send();
  } catch (e) {
    throw new ChainError(describeError(e));
  }
  onStatus?.("confirming");
  for (let i = 0; i < 120; i++) {
    const { value } = await rpc.getSignatureStatuses([sig]).send();
    const st = value[0];
    if (st?.err) {
      const t = await rpc.getTransaction(sig, { maxSupportedTransactionVersion: 0, encoding: "json", commitment: "confirmed" }).send();
      throw new ChainError(chainErrorOf(st.err, t?.meta?.logMessages ?? []));
    }
    if (st && (st.confirmationStatus === "confirmed" || st.confirmationStatus === "finalized")) return sig;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new ChainError(`transaction ${sig} was not confirmed within 60 s`);
}

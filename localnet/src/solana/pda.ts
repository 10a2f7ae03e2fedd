// Program-derived addresses (via @solana/kit, the client library LiteSVM itself uses).

import { address, getAddressEncoder, getProgramDerivedAddress } from "@solana/kit";
import { ASSOCIATED_TOKEN_PROGRAM, BPF_LOADER_UPGRADEABLE, TOKEN_PROGRAM } from "./constants.js";

export async function findPda(program: string, seeds: Uint8Array[]): Promise<string> {
  const [pda] = await getProgramDerivedAddress({ programAddress: address(program), seeds });
  return pda;
}

export async function associatedTokenAddress(owner: string, mint: string, tokenProgram = TOKEN_PROGRAM): Promise<string> {
  const enc = getAddressEncoder();
  return findPda(ASSOCIATED_TOKEN_PROGRAM, [
    new Uint8Array(enc.encode(address(owner))),
    new Uint8Array(enc.encode(address(tokenProgram))),
    new Uint8Array(enc.encode(address(mint))),
  ]);
}

export async function programDataAddress(program: string): Promise<string> {
  return findPda(BPF_LOADER_UPGRADEABLE, [new Uint8Array(getAddressEncoder().encode(address(program)))]);
}

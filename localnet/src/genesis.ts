// Genesis: the accounts a fresh localnet starts with. Runs once; a chain restored with
// --state keeps what it had.

import type { Chain } from "./chain.js";
import { devKey } from "./devkeys.js";
import { SYSTEM_PROGRAM, TOKEN_PROGRAM } from "./solana/constants.js";
import { associatedTokenAddress } from "./solana/pda.js";
import { ACCOUNT_LEN, MINT_LEN, packMint, packTokenAccount } from "./solana/token.js";

const SOL = 1_000_000_000n;

/** SOL balances at genesis (lamports). */
export const GENESIS_SOL: Record<string, bigint> = {
  wallet: 1_000_000n * SOL,
  admin: 1_000n * SOL,
  "upgrade-authority": 10_000n * SOL,
  faucet: 1_000_000_000n * SOL, // pays requestAirdrop
  keeper: 1_000n * SOL,
  scheduler: 1_000n * SOL,
  "oracle-1": 1_000n * SOL,
  "oracle-2": 1_000n * SOL,
  "oracle-3": 1_000n * SOL,
  treasury: 10n * SOL,
};

export const IO_DECIMALS = 8;
export const IOSD_DECIMALS = 6;
export const TREASURY_IO = 500_000_000n * 10n ** BigInt(IO_DECIMALS);
export const FAUCET_IO = 1_000_000n * 10n ** BigInt(IO_DECIMALS);
export const FAUCET_IOSD = 1_000_000n * 10n ** BigInt(IOSD_DECIMALS);

export interface GenesisAddresses {
  [name: string]: string;
}

export async function genesisAddresses(): Promise<GenesisAddresses> {
  const io = devKey("io-mint").address;
  const iosd = devKey("iosd-mint").address;
  const treasury = devKey("treasury").address;
  const faucet = devKey("faucet").address;
  return {
    "io-mint": io,
    "iosd-mint": iosd,
    "treasury-io": await associatedTokenAddress(treasury, io),
    "treasury-iosd": await associatedTokenAddress(treasury, iosd),
    "faucet-io": await associatedTokenAddress(faucet, io),
    "faucet-iosd": await associatedTokenAddress(faucet, iosd),
  };
}

export async function applyGenesis(chain: Chain): Promise<GenesisAddresses> {
  const rent = (n: number) => chain.svm.minimumBalanceForRentExemption(BigInt(n));
  for (const [name, lamports] of Object.entries(GENESIS_SOL)) {
    chain.setAccount(devKey(name).address, {
      lamports,
      data: new Uint8Array(0),
      owner: SYSTEM_PROGRAM,
      executable: false,
      rentEpoch: 0n,
    });
  }
  const a = await genesisAddresses();
  const admin = devKey("admin").address;
  const mint = (addr: string, decimals: number, supply: bigint) =>
    chain.setAccount(addr, {
      lamports: rent(MINT_LEN),
      data: packMint({ mintAuthority: admin, supply, decimals, isInitialized: true, freezeAuthority: null }),
      owner: TOKEN_PROGRAM,
      executable: false,
      rentEpoch: 0n,
    });
  const tokenAccount = (addr: string, mintAddr: string, owner: string, amount: bigint) =>
    chain.setAccount(addr, {
      lamports: rent(ACCOUNT_LEN),
      data: packTokenAccount({
        mint: mintAddr,
        owner,
        amount,
        delegate: null,
        state: 1,
        isNative: null,
        delegatedAmount: 0n,
        closeAuthority: null,
      }),
      owner: TOKEN_PROGRAM,
      executable: false,
      rentEpoch: 0n,
    });
  mint(a["io-mint"], IO_DECIMALS, TREASURY_IO + FAUCET_IO);
  mint(a["iosd-mint"], IOSD_DECIMALS, FAUCET_IOSD);
  const treasury = devKey("treasury").address;
  const faucet = devKey("faucet").address;
  tokenAccount(a["treasury-io"], a["io-mint"], treasury, TREASURY_IO);
  tokenAccount(a["treasury-iosd"], a["iosd-mint"], treasury, 0n);
  tokenAccount(a["faucet-io"], a["io-mint"], faucet, FAUCET_IO);
  tokenAccount(a["faucet-iosd"], a["iosd-mint"], faucet, FAUCET_IOSD);
  return a;
}

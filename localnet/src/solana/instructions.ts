// The few instructions the localnet itself builds: System transfers and account
// creation, compute-budget limits and BPF Loader Upgradeable buffer/deploy/upgrade.

import { BPF_LOADER_UPGRADEABLE, COMPUTE_BUDGET_PROGRAM, SYSTEM_PROGRAM, SYSVAR_CLOCK, SYSVAR_RENT } from "./constants.js";
import { decodeBase58 } from "../encoding/base58.js";
import type { Ix } from "./tx.js";

function le32(n: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return [...b];
}
function le64(n: bigint): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return [...b];
}

const w = (pubkey: string, isSigner = false) => ({ pubkey, isSigner, isWritable: true });
const r = (pubkey: string, isSigner = false) => ({ pubkey, isSigner, isWritable: false });

export function systemTransfer(from: string, to: string, lamports: bigint): Ix {
  return { programId: SYSTEM_PROGRAM, keys: [w(from, true), w(to)], data: Uint8Array.from([...le32(2), ...le64(lamports)]) };
}

export function systemCreateAccount(from: string, account: string, lamports: bigint, space: bigint, owner: string): Ix {
  return {
    programId: SYSTEM_PROGRAM,
    keys: [w(from, true), w(account, true)],
    data: Uint8Array.from([...le32(0), ...le64(lamports), ...le64(space), ...decodeBase58(owner)]),
  };
}

export function setComputeUnitLimit(units: number): Ix {
  return { programId: COMPUTE_BUDGET_PROGRAM, keys: [], data: Uint8Array.from([2, ...le32(units)]) };
}

/** UpgradeableLoaderState sizes. */
export const BUFFER_METADATA_LEN = 37;
export const PROGRAM_LEN = 36;
export const PROGRAMDATA_METADATA_LEN = 45;

export function loaderInitializeBuffer(buffer: string, authority: string): Ix {
  return { programId: BPF_LOADER_UPGRADEABLE, keys: [w(buffer), r(authority)], data: Uint8Array.from(le32(0)) };
}

export function loaderWrite(buffer: string, authority: string, offset: number, bytes: Uint8Array): Ix {
  return {
    programId: BPF_LOADER_UPGRADEABLE,
    keys: [w(buffer), r(authority, true)],
    data: Uint8Array.from([...le32(1), ...le32(offset), ...le64(BigInt(bytes.length)), ...bytes]),
  };
}

export function loaderDeployWithMaxDataLen(
  payer: string,
  programData: string,
  program: string,
  buffer: string,
  authority: string,
  maxDataLen: bigint,
): Ix {
  return {
    programId: BPF_LOADER_UPGRADEABLE,
    keys: [w(payer, true), w(programData), w(program), w(buffer), r(SYSVAR_RENT), r(SYSVAR_CLOCK), r(SYSTEM_PROGRAM), r(authority, true)],
    data: Uint8Array.from([...le32(2), ...le64(maxDataLen)]),
  };
}

export function loaderUpgrade(programData: string, program: string, buffer: string, spill: string, authority: string): Ix {
  return {
    programId: BPF_LOADER_UPGRADEABLE,
    keys: [w(programData), w(program), w(buffer), w(spill), r(SYSVAR_RENT), r(SYSVAR_CLOCK), r(authority, true)],
    data: Uint8Array.from(le32(3)),
  };
}

// Program deployment through the real BPF Loader Upgradeable flow: create a buffer,
// InitializeBuffer, Write in chunks, then DeployWithMaxDataLen signed by the program
// keypair (or Upgrade when the program exists and its bytes changed). Loader checks run
// exactly as on a cluster, so a v0 ELF is rejected while SIMD-0500 is active.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import type { Chain } from "./chain.js";
import { devKey, Keypair, programKey } from "./devkeys.js";
import { BPF_LOADER_UPGRADEABLE } from "./solana/constants.js";
import {
  BUFFER_METADATA_LEN,
  loaderDeployWithMaxDataLen,
  loaderInitializeBuffer,
  loaderUpgrade,
  loaderWrite,
  PROGRAMDATA_METADATA_LEN,
  PROGRAM_LEN,
  systemCreateAccount,
} from "./solana/instructions.js";
import { programDataAddress } from "./solana/pda.js";
import { buildLegacyTx, parseTransaction, sha256, type Ix } from "./solana/tx.js";

export class DeployError extends Error {
  constructor(
    message: string,
    readonly logs: string[] = [],
  ) {
    super(logs.length > 0 ? `${message}\n  ${logs.join("\n  ")}` : message);
  }
}

export interface ProgramSpec {
  name: string;
  path: string;
}

/** Reads [programs.localnet] and checks each id is the dev key of NAME-program. */
export function programsFromAnchorToml(
  tomlPath: string,
  deployDir: string,
  onMissing: (name: string, id: string, path: string) => void = () => {},
): ProgramSpec[] {
  if (!existsSync(tomlPath)) return [];
  const doc = parseToml(readFileSync(tomlPath, "utf8")) as { programs?: { localnet?: Record<string, unknown> } };
  const table = doc.programs?.localnet ?? {};
  const out: ProgramSpec[] = [];
  for (const [name, id] of Object.entries(table)) {
    const want = programKey(name).address;
    if (id !== want) {
      throw new DeployError(
        `${tomlPath}: [programs.localnet] ${name} = "${String(id)}" is not the localnet dev key of "${name}-program" (${want}); the localnet can only deploy at ids it holds the keypair for`,
      );
    }
    const path = join(deployDir, `${name}.so`);
    if (existsSync(path)) out.push({ name, path });
    else onMissing(name, want, path);
  }
  return out;
}

const CHUNK = 900;

function send(chain: Chain, payer: Keypair, ixs: Ix[], signers: Keypair[], what: string): void {
  const raw = buildLegacyTx(payer, ixs, chain.blockAt("processed").blockhash, signers);
  const res = chain.execute(parseTransaction(raw), { simulate: false, sigVerify: true, replaceRecentBlockhash: false });
  if (res.err) throw new DeployError(`${what}: ${res.err.message}`, res.meta.logMessages);
}

function writeBuffer(chain: Chain, payer: Keypair, authority: Keypair, so: Uint8Array, name: string): Keypair {
  // A fresh buffer keypair per deploy, derived from the program bytes (deterministic).
  const buffer = new Keypair(sha256("gpunet localnet DEV-ONLY buffer: ", name, sha256(so)));
  const size = BigInt(BUFFER_METADATA_LEN + so.length);
  send(
    chain,
    payer,
    [
      systemCreateAccount(payer.address, buffer.address, chain.svm.minimumBalanceForRentExemption(size), size, BPF_LOADER_UPGRADEABLE),
      loaderInitializeBuffer(buffer.address, authority.address),
    ],
    [buffer],
    `${name}: create buffer`,
  );
  for (let off = 0; off < so.length; off += CHUNK) {
    send(chain, payer, [loaderWrite(buffer.address, authority.address, off, so.subarray(off, off + CHUNK))], [authority], `${name}: write buffer`);
  }
  return buffer;
}

export interface DeployResult {
  name: string;
  programId: string;
  action: "deployed" | "upgraded" | "unchanged";
  size: number;
}

export async function deployProgram(chain: Chain, spec: ProgramSpec): Promise<DeployResult> {
  const so = new Uint8Array(readFileSync(spec.path));
  const program = programKey(spec.name);
  const authority = devKey("upgrade-authority");
  const payer = authority;
  const programData = await programDataAddress(program.address);
  const existing = chain.account(program.address);
  if (existing) {
    const pd = chain.account(programData);
    if (pd && Buffer.from(pd.data.subarray(PROGRAMDATA_METADATA_LEN, PROGRAMDATA_METADATA_LEN + so.length)).equals(Buffer.from(so))) {
      return { name: spec.name, programId: program.address, action: "unchanged", size: so.length };
    }
    const buffer = writeBuffer(chain, payer, authority, so, spec.name);
    send(chain, payer, [loaderUpgrade(programData, program.address, buffer.address, payer.address, authority.address)], [authority], `${spec.name}: upgrade`);
    return { name: spec.name, programId: program.address, action: "upgraded", size: so.length };
  }
  const buffer = writeBuffer(chain, payer, authority, so, spec.name);
  const maxLen = BigInt(so.length * 2);
  send(
    chain,
    payer,
    [
      systemCreateAccount(payer.address, program.address, chain.svm.minimumBalanceForRentExemption(BigInt(PROGRAM_LEN)), BigInt(PROGRAM_LEN), BPF_LOADER_UPGRADEABLE),
      loaderDeployWithMaxDataLen(payer.address, programData, program.address, buffer.address, authority.address, maxLen),
    ],
    [program, authority],
    `${spec.name}: deploy`,
  );
  return { name: spec.name, programId: program.address, action: "deployed", size: so.length };
}

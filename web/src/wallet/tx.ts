// gpunet's money actions as instructions, from the generated client (@gpunet/client, Codama
// over @solana/kit). The wallet's account signs through a no-op signer: the builders need a
// TransactionSigner to mark it a signer, and the wallet itself signs in send.ts.
import {
  AccountRole,
  address,
  createNoopSigner,
  getAddressEncoder,
  getProgramDerivedAddress,
  type Address,
  type Instruction,
  type Rpc,
  type SolanaRpcApi,
} from "@solana/kit";
import { economy, escrow, registry } from "@gpunet/client";

export const TOKEN_PROGRAM = address("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
export const ATA_PROGRAM = address("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
export const SYSTEM_PROGRAM = address("11111111111111111111111111111111");

/** ata is the associated token account of owner for mint. */
export async function ata(owner: Address, mint: Address): Promise<Address> {
  const enc = getAddressEncoder();
  const [a] = await getProgramDerivedAddress({ programAddress: ATA_PROGRAM, seeds: [enc.encode(owner), enc.encode(TOKEN_PROGRAM), enc.encode(mint)] });
  return a;
}

/**
 * createAtaIdempotent is the associated token program's CreateIdempotent (instruction 1): it
 * makes owner's account for mint unless it exists. The one instruction here that is not a
 * gpunet program's, so not in the generated client.
 */
export async function createAtaIdempotent(payer: Address, owner: Address, mint: Address): Promise<Instruction> {
  return {
    programAddress: ATA_PROGRAM,
    accounts: [
      { address: payer, role: AccountRole.WRITABLE_SIGNER },
      { address: await ata(owner, mint), role: AccountRole.WRITABLE },
      { address: owner, role: AccountRole.READONLY },
      { address: mint, role: AccountRole.READONLY },
      { address: SYSTEM_PROGRAM, role: AccountRole.READONLY },
      { address: TOKEN_PROGRAM, role: AccountRole.READONLY },
    ],
    data: new Uint8Array([1]),
  };
}

/** Network is what the builders read from the chain once: the mints and the registry's Config. */
export interface Network {
  ioMint: Address;
  iosdMint: Address;
  registryConfig: Address;
}

export async function loadNetwork(rpc: Rpc<SolanaRpcApi>): Promise<Network> {
  const [cfg] = await economy.findConfigPda();
  const acc = await economy.fetchConfig(rpc, cfg);
  return { ioMint: acc.data.ioMint, iosdMint: acc.data.iosdMint, registryConfig: acc.data.registryConfig };
}

const signer = (a: Address) => createNoopSigner(a);

/** ASK_UNIT base units per unit of a device's ask. */
export const ASK_UNIT = registry.REGISTRY_ASK_UNIT;

/** askUnits converts an ask per device-hour in base units to the program's units, refusing what it cannot hold exactly. */
export function askUnits(base: bigint): number {
  if (base % ASK_UNIT !== 0n) throw new Error(`an ask is a multiple of ${ASK_UNIT} base units`);
  const u = base / ASK_UNIT;
  if (u > 0xffff_ffffn) throw new Error("the ask is over the most a device can ask");
  return Number(u);
}

export async function setAsks(owner: Address, device: Address, askIosdBase: bigint, askIoBase: bigint): Promise<Instruction[]> {
  return [await registry.getSetAsksInstructionAsync({ device, owner: signer(owner), askIosd: askUnits(askIosdBase), askIo: askUnits(askIoBase) })];
}

export async function stake(net: Network, owner: Address, device: Address, amount: bigint): Promise<Instruction[]> {
  return [await registry.getStakeInstructionAsync({ device, owner: signer(owner), ownerToken: await ata(owner, net.ioMint), amount })];
}

export async function requestUnstake(owner: Address, device: Address, amount: bigint): Promise<Instruction[]> {
  return [await registry.getRequestUnstakeInstructionAsync({ device, owner: signer(owner), amount })];
}

export async function withdrawUnstaked(net: Network, owner: Address, device: Address): Promise<Instruction[]> {
  return [await registry.getWithdrawUnstakedInstructionAsync({ device, owner: signer(owner), ownerToken: await ata(owner, net.ioMint) })];
}

/** claim pays a device's rewards to its owner's IO account; anyone may send it, the payer pays the fee. */
export async function claim(net: Network, payer: Address, device: Address, owner: Address): Promise<Instruction[]> {
  return [
    await createAtaIdempotent(payer, owner, net.ioMint),
    await economy.getClaimRewardsInstructionAsync({ registryConfig: net.registryConfig, device, ownerIo: await ata(owner, net.ioMint), ioMint: net.ioMint }),
  ];
}

/** conversion are the accounts burn_io_for_iosd and redeem_iosd_for_io both take. */
async function conversion(net: Network, user: Address) {
  return {
    registryConfig: net.registryConfig,
    user: signer(user),
    userIo: await ata(user, net.ioMint),
    userIosd: await ata(user, net.iosdMint),
    ioMint: net.ioMint,
    iosdMint: net.iosdMint,
  };
}

export async function burnIoForIosd(net: Network, user: Address, amount: bigint): Promise<Instruction[]> {
  return [
    await createAtaIdempotent(user, user, net.iosdMint),
    await economy.getBurnIoForIosdInstructionAsync({ ...(await conversion(net, user)), amount }),
  ];
}

export async function redeemIosdForIo(net: Network, user: Address, amount: bigint): Promise<Instruction[]> {
  return [
    await createAtaIdempotent(user, user, net.ioMint),
    await economy.getRedeemIosdForIoInstructionAsync({ ...(await conversion(net, user)), amount }),
  ];
}

export interface Rental {
  jobId: bigint;
  pricePerHour: bigint; // base units of mint per device-hour
  hours: number;
  devices: Address[]; // the Device accounts the scheduler matched, proposed in order
  mint: Address;
  requirementsHash: Uint8Array; // SHA-256 of the job's spec body (jobSpecBody)
}

/** rent is create_job (funding the escrow) then assign_devices (proposing the devices) in one transaction. */
export async function rent(net: Network, renter: Address, r: Rental): Promise<{ job: Address; instructions: Instruction[] }> {
  const [job] = await escrow.findJobPda({ renter, jobId: r.jobId });
  const create = await escrow.getCreateJobInstructionAsync({
    renter: signer(renter),
    renterToken: await ata(renter, r.mint),
    mint: r.mint,
    jobId: r.jobId,
    pricePerHour: r.pricePerHour,
    durationSecs: r.hours * Number(escrow.ESCROW_SECS_PER_HOUR),
    deviceCount: r.devices.length,
    requirementsHash: r.requirementsHash,
  });
  const assign = await escrow.getAssignDevicesInstructionAsync({ job, authority: signer(renter), registryConfig: net.registryConfig });
  // the devices proposed are assign_devices' remaining accounts
  const withDevices: Instruction = { ...assign, accounts: [...assign.accounts, ...r.devices.map((d) => ({ address: d, role: AccountRole.READONLY }))] };
  return { job, instructions: [create, withDevices] };
}

/**
 * jobSpecBody is the job's spec exactly as internal/jobrelay.SpecBody writes it (Go's JSON of
 * wire.JobSpec: field order, renter_key as 32 numbers): its SHA-256 is the job's requirements.
 */
export function jobSpecBody(spec: { job: string; class: string; count: number; minVramGib?: number; region?: number; hours: number; renterKey: Uint8Array }): string {
  const o: Record<string, unknown> = { job: spec.job, class: spec.class, count: spec.count };
  if (spec.minVramGib) o.min_vram_gib = spec.minVramGib;
  if (spec.region) o.region = spec.region;
  o.hours = spec.hours;
  o.renter_key = Array.from(spec.renterKey);
  return JSON.stringify(o);
}

export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** nextJobId is one more than the renter's largest job id the explorer knows (1 for a first job). */
export function nextJobId(ids: (string | number | bigint)[]): bigint {
  return ids.reduce<bigint>((m, id) => (BigInt(id) >= m ? BigInt(id) + 1n : m), 1n);
}

/** cancelJob stops the renter's job and refunds what its devices did not earn; hired are the Device accounts of its hired slots in slot order. */
export async function cancelJob(net: Network, renter: Address, job: Address, mint: Address, hired: Address[]): Promise<Instruction[]> {
  const ix = await escrow.getCancelJobInstructionAsync({
    job,
    renter: signer(renter),
    renterToken: await ata(renter, mint),
    registryConfig: net.registryConfig,
    registryProgram: registry.REGISTRY_PROGRAM_ADDRESS,
  });
  return [{ ...ix, accounts: [...ix.accounts, ...hired.map((d) => ({ address: d, role: AccountRole.WRITABLE }))] }];
}

/** topUp adds extraSecs of paid time per device to the renter's job, paid from its token account. */
export async function topUp(renter: Address, job: Address, mint: Address, extraSecs: number): Promise<Instruction[]> {
  return [await escrow.getTopUpInstructionAsync({ job, renter: signer(renter), renterToken: await ata(renter, mint), extraSecs })];
}

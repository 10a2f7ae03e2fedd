import { describe, expect, it } from "vitest";
import {
  address,
  generateKeyPairSigner,
  getAddressEncoder,
  getBase58Decoder,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
  verifySignature,
  type Address,
  type Blockhash,
} from "@solana/kit";
import { economy, escrow, registry } from "@gpunet/client";
import { buildTransaction } from "../src/wallet/send";
import { ata, askUnits, burnIoForIosd, cancelJob, redeemIosdForIo, claim, jobSpecBody, nextJobId, rent, setAsks, sha256, stake, topUp, ATA_PROGRAM, type Network } from "../src/wallet/tx";
import { AccountRole } from "@solana/kit";
import { LocalWallet } from "../src/wallet/local";
import { errorName, chainErrorOf } from "../src/wallet/errors";

const net: Network = {
  ioMint: address("So11111111111111111111111111111111111111112"),
  iosdMint: address("Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB"),
  registryConfig: address("SysvarC1ock11111111111111111111111111111111"),
};
const lifetime = { blockhash: "4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi" as Blockhash, lastValidBlockHeight: 100n };

function decode(wire: Uint8Array) {
  const tx = getTransactionDecoder().decode(wire);
  const msg = getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
  return { tx, msg };
}

describe("transaction building", () => {
  it("set_asks: the registry's instruction, the owner the fee payer and only signer, asks in ASK_UNIT", async () => {
    const owner = (await generateKeyPairSigner()).address;
    const device = (await generateKeyPairSigner()).address;
    const ixs = await setAsks(owner, device, 2_500_000n, 0n);
    expect(ixs).toHaveLength(1);
    expect(ixs[0].programAddress).toBe(registry.REGISTRY_PROGRAM_ADDRESS);
    const data = registry.getSetAsksInstructionDataDecoder().decode(ixs[0].data!);
    expect(data.askIosd).toBe(2500);
    expect(data.askIo).toBe(0);
    const { tx, msg } = decode(buildTransaction(owner, ixs, lifetime));
    expect(Object.keys(tx.signatures)).toEqual([owner]);
    expect(msg.staticAccounts[0]).toBe(owner);
    expect(msg.header.numSignerAccounts).toBe(1);
    expect(msg.lifetimeToken).toBe(lifetime.blockhash);
    expect(msg.staticAccounts).toContain(device);
    expect(msg.staticAccounts).toContain((await registry.findConfigPda())[0]);
  });

  it("refuses asks the program cannot hold", () => {
    expect(askUnits(0n)).toBe(0);
    expect(askUnits(1000n)).toBe(1);
    expect(() => askUnits(1500n)).toThrow("multiple of 1000");
    expect(() => askUnits(1000n * 0x1_0000_0000n)).toThrow("most a device can ask");
  });

  it("stake pays from the owner's associated IO account", async () => {
    const owner = (await generateKeyPairSigner()).address;
    const device = (await generateKeyPairSigner()).address;
    const [ix] = await stake(net, owner, device, 150_000_000n);
    expect(registry.getStakeInstructionDataDecoder().decode(ix.data!).amount).toBe(150_000_000n);
    expect(ix.accounts!.map((a) => a.address)).toContain(await ata(owner, net.ioMint));
  });

  it("the associated token address is the ATA program's PDA", async () => {
    // a well-known one: USDC's account of the System Program's address is stable
    const a = await ata(address("11111111111111111111111111111111"), net.iosdMint);
    expect(a).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    expect(a).toBe(await ata(address("11111111111111111111111111111111"), net.iosdMint));
    expect(a).not.toBe(await ata(address("11111111111111111111111111111111"), net.ioMint));
  });

  it("claim and burn create the receiving token account first", async () => {
    const payer = (await generateKeyPairSigner()).address;
    const owner = (await generateKeyPairSigner()).address;
    const device = (await generateKeyPairSigner()).address;
    const c = await claim(net, payer, device, owner);
    expect(c.map((i) => i.programAddress)).toEqual([ATA_PROGRAM, economy.ECONOMY_PROGRAM_ADDRESS]);
    expect(c[0].data).toEqual(new Uint8Array([1]));
    const b = await burnIoForIosd(net, payer, 5n);
    expect(b[1].programAddress).toBe(economy.ECONOMY_PROGRAM_ADDRESS);
    expect(economy.getBurnIoForIosdInstructionDataDecoder().decode(b[1].data!).amount).toBe(5n);
    const { msg } = decode(buildTransaction(payer, b, lifetime));
    expect(msg.header.numSignerAccounts).toBe(1);
    // redeeming takes the same accounts the other way: the IO account is made first
    const r = await redeemIosdForIo(net, payer, 7n);
    expect(r[0].accounts![3].address).toBe(net.ioMint);
    expect(economy.getRedeemIosdForIoInstructionDataDecoder().decode(r[1].data!).amount).toBe(7n);
    const accounts = (ix: (typeof b)[1]) => ix.accounts!.map((a) => a.address);
    expect(accounts(r[1])).toEqual(accounts(b[1]));
  });

  it("rent is create_job then assign_devices with the devices as remaining accounts", async () => {
    const renter = (await generateKeyPairSigner()).address;
    const devices = [(await generateKeyPairSigner()).address, (await generateKeyPairSigner()).address];
    const [job] = await escrow.findJobPda({ renter, jobId: 3n });
    const body = jobSpecBody({ job, class: "h100", count: 2, hours: 2, renterKey: new Uint8Array(32).fill(171) });
    expect(body).toBe(`{"job":"${job}","class":"h100","count":2,"hours":2,"renter_key":[${Array(32).fill(171).join(",")}]}`);
    const hash = await sha256(body);
    const r = await rent(net, renter, { jobId: 3n, pricePerHour: 1_500_000n, hours: 2, devices, mint: net.iosdMint, requirementsHash: hash });
    expect(r.job).toBe(job);
    expect(r.instructions.map((i) => i.programAddress)).toEqual([escrow.ESCROW_PROGRAM_ADDRESS, escrow.ESCROW_PROGRAM_ADDRESS]);
    const create = escrow.getCreateJobInstructionDataDecoder().decode(r.instructions[0].data!);
    expect(create.jobId).toBe(3n);
    expect(create.pricePerHour).toBe(1_500_000n);
    expect(create.durationSecs).toBe(7200);
    expect(create.deviceCount).toBe(2);
    expect(new Uint8Array(create.requirementsHash)).toEqual(hash);
    expect(r.instructions[1].accounts!.slice(-2).map((a) => a.address)).toEqual(devices);
    const { tx } = decode(buildTransaction(renter, r.instructions, lifetime));
    expect(Object.keys(tx.signatures)).toEqual([renter]);
  });

  it("cancel passes the hired devices writable in slot order; top up adds paid time", async () => {
    const renter = (await generateKeyPairSigner()).address;
    const job = (await generateKeyPairSigner()).address;
    const hired = [(await generateKeyPairSigner()).address, (await generateKeyPairSigner()).address];
    const [c] = await cancelJob(net, renter, job, net.iosdMint, hired);
    expect(c.programAddress).toBe(escrow.ESCROW_PROGRAM_ADDRESS);
    expect(c.accounts!.slice(-2)).toEqual(hired.map((address) => ({ address, role: AccountRole.WRITABLE })));
    expect(c.accounts!.map((a) => a.address)).toContain(await ata(renter, net.iosdMint));
    const [t] = await topUp(renter, job, net.iosdMint, 3600);
    expect(escrow.getTopUpInstructionDataDecoder().decode(t.data!).extraSecs).toBe(3600);
  });

  it("nextJobId follows the renter's largest id", () => {
    expect(nextJobId([])).toBe(1n);
    expect(nextJobId(["1", "7", "3"])).toBe(8n);
  });
});

describe("the localnet wallet", () => {
  it("is a Wallet Standard wallet that signs exactly the transaction it is given", async () => {
    const w = new LocalWallet();
    await expect(w.features["standard:connect"].connect()).rejects.toThrow("no key");
    const secret = new Uint8Array(64);
    const kp = await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"]);
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", (kp as CryptoKeyPair).privateKey));
    secret.set(pkcs8.slice(-32), 0);
    secret.set(new Uint8Array(await crypto.subtle.exportKey("raw", (kp as CryptoKeyPair).publicKey)), 32);
    const me = (await w.load(secret)) as Address;
    expect(me).toBe(getBase58Decoder().decode(secret.slice(32)));
    const changes: number[] = [];
    w.features["standard:events"].on("change", ({ accounts }) => changes.push(accounts?.length ?? -1));
    const { accounts } = await w.features["standard:connect"].connect();
    expect(accounts.map((a) => a.address)).toEqual([me]);
    expect(changes).toEqual([1]);
    const wire = buildTransaction(me, await setAsks(me, me, 0n, 0n), lifetime);
    const [{ signedTransaction }] = await w.features["solana:signTransaction"].signTransaction({ transaction: wire, account: accounts[0] });
    const tx = getTransactionDecoder().decode(signedTransaction);
    const sig = tx.signatures[me]!;
    expect(await verifySignature((kp as CryptoKeyPair).publicKey, sig, tx.messageBytes)).toBe(true);
    expect(getAddressEncoder().encode(me)).toEqual(secret.slice(32));
    await w.features["standard:disconnect"].disconnect();
    expect(w.accounts).toEqual([]);
  });
});

describe("chain errors by name", () => {
  it("names a program's custom error from the IDL", () => {
    expect(errorName(registry.REGISTRY_PROGRAM_ADDRESS, 6000)).toBe("registry: InvalidInstruction (6000: Unknown instruction discriminator)");
    const logs = [`Program ${escrow.ESCROW_PROGRAM_ADDRESS} invoke [1]`, `Program ${escrow.ESCROW_PROGRAM_ADDRESS} failed: custom program error: 0x1770`];
    expect(chainErrorOf({ InstructionError: [0, { Custom: 6000 }] }, logs)).toBe("escrow: InvalidInstruction (6000: Unknown instruction discriminator)");
    expect(chainErrorOf("AccountNotFound", [])).toBe("AccountNotFound");
  });
});

describe("errors from sending", () => {
  it("names kit's errors and a program's error from a preflight's logs", async () => {
    const { SolanaError, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE, SOLANA_ERROR__TRANSACTION_ERROR__ALREADY_PROCESSED, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM } = await import("@solana/kit");
    const { describeError } = await import("../src/wallet/errors");
    const preflight = (logs: string[], cause: unknown) =>
      new SolanaError(SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE, { logs, accounts: null, unitsConsumed: 0n, returnData: null, innerInstructions: null, replacementBlockhash: null, fee: null, preBalances: null, postBalances: null, preTokenBalances: null, postTokenBalances: null, loadedAddresses: null, loadedAccountsDataSize: 0, cause } as never);
    expect(describeError(preflight([], new SolanaError(SOLANA_ERROR__TRANSACTION_ERROR__ALREADY_PROCESSED)))).toBe("TRANSACTION_ERROR__ALREADY_PROCESSED");
    const logs = [`Program ${economy.ECONOMY_PROGRAM_ADDRESS} invoke [1]`, `Program ${economy.ECONOMY_PROGRAM_ADDRESS} failed: custom program error: 0x1770`];
    expect(describeError(preflight(logs, new SolanaError(SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM, { code: 6000, index: 0 })))).toBe("economy: InvalidInstruction (6000: Unknown instruction discriminator)");
  });
});

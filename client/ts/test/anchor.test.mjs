// The official Anchor TS client with nothing but the repository's IDLs: it registers a provider
// and a device, stakes and creates a job, resolving every PDA itself (seeds and relations in
// the IDLs), and a failing instruction raises an AnchorError with the IDL's error name.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import anchor from "@coral-xyz/anchor";
import { DEPOSIT, idl, JOB, SPEC, STAKE, startChain } from "./chain.mjs";

const { AnchorError, AnchorProvider, BN, Program, Wallet, web3 } = anchor;

let chain;
let registry;
let escrow;
let owner;
before(async () => {
  chain = await startChain();
  owner = web3.Keypair.fromSecretKey(chain.secretKey("faucet"));
  const connection = new web3.Connection(chain.rpcUrl, { commitment: "confirmed", wsEndpoint: chain.wsUrl });
  const provider = new AnchorProvider(connection, new Wallet(owner), { commitment: "confirmed" });
  registry = new Program(idl("registry"), provider);
  escrow = new Program(idl("escrow"), provider);
});
after(async () => {
  // web3.js keeps its PubSub socket and would reconnect to the stopped localnet forever.
  registry?.provider.connection._rpcWebSocket.close();
  await chain?.stop();
});

// Anchor TS resolves a PDA but keeps no bump, and the programs take some bumps as arguments:
// the bump is found from the account's seeds in the IDL and the accounts Anchor resolved (arg
// seeds given encoded), and must derive the address Anchor resolved.
function idlBump(program, instruction, account, resolved, argSeeds = {}) {
  const { pda } = program.idl.instructions.find((i) => i.name === instruction).accounts.find((a) => a.name === account);
  const seeds = pda.seeds.map((s) => (s.kind === "const" ? Buffer.from(s.value) : s.kind === "account" ? resolved[s.path].toBuffer() : argSeeds[s.path]));
  const [address, bump] = web3.PublicKey.findProgramAddressSync(seeds, program.programId);
  assert.ok(address.equals(resolved[account]), `${instruction}.${account}: the IDL's seeds derive ${address}, Anchor resolved ${resolved[account]}`);
  return bump;
}

const tokenAmount = async (address) => BigInt((await registry.provider.connection.getTokenAccountBalance(address)).value.amount);

test("register a provider and a device, stake and create a job, every PDA resolved by Anchor from the IDLs", async () => {
  const ioMint = new web3.PublicKey(chain.genesis["io-mint"]);
  const ownerToken = new web3.PublicKey(chain.genesis["faucet-io"]);
  const before = await tokenAmount(ownerToken);

  await registry.methods.registerProvider("https://provider.example/gpunet").rpc();

  const deviceKey = web3.Keypair.generate();
  const registerDevice = (bump) => registry.methods.registerDevice(SPEC, bump).accounts({ deviceKey: deviceKey.publicKey }).signers([deviceKey]);
  const registered = await registerDevice(0).pubkeys();
  await registerDevice(idlBump(registry, "registerDevice", "vault", registered)).rpc();
  const { device, provider, vault } = registered;
  assert.ok(registered.ioMint.equals(ioMint), "io_mint resolved from the registry config (relations)");

  const staked = registry.methods.stake(new BN(STAKE.toString())).accounts({ device, ownerToken });
  const stakeAccounts = await staked.pubkeys();
  assert.ok(stakeAccounts.provider.equals(provider) && stakeAccounts.vault.equals(vault), "stake resolves the provider and vault");
  await staked.rpc();

  assert.equal(BigInt((await registry.account.device.fetch(device)).stake.toString()), STAKE);
  assert.equal(BigInt((await registry.account.provider.fetch(provider)).totalStake.toString()), STAKE);
  assert.equal(await tokenAmount(vault), STAKE);

  const jobId = new BN(JOB.id.toString());
  const createJob = (jobBump, vaultBump) =>
    escrow.methods
      .createJob(jobId, new BN(JOB.pricePerHour.toString()), JOB.durationSecs, JOB.deviceCount, jobBump, vaultBump, JOB.requirements)
      .accounts({ renterToken: ownerToken, mint: ioMint });
  const jobAccounts = await createJob(0, 0).pubkeys();
  const jobIdSeed = { jobId: jobId.toArrayLike(Buffer, "le", 8) };
  await createJob(idlBump(escrow, "createJob", "job", jobAccounts, jobIdSeed), idlBump(escrow, "createJob", "vault", jobAccounts)).rpc();

  const job = await escrow.account.job.fetch(jobAccounts.job);
  assert.ok(job.renter.equals(owner.publicKey));
  assert.ok(job.vault.equals(jobAccounts.vault));
  assert.equal(BigInt(job.deposited.toString()), DEPOSIT);
  assert.equal(await tokenAmount(jobAccounts.vault), DEPOSIT);
  assert.equal(await tokenAmount(ownerToken), before - STAKE - DEPOSIT);

  // A failing instruction: staking nothing. Anchor TS names the error from the program's log line
  // "AnchorError occurred. Error Code: InvalidAmount. Error Number: 6112. ...".
  await assert.rejects(registry.methods.stake(new BN(0)).accounts({ device, ownerToken }).rpc(), (err) => {
    assert.ok(err instanceof AnchorError, `want an AnchorError, got ${err}`);
    assert.equal(err.error.errorCode.code, "InvalidAmount");
    assert.equal(err.error.errorCode.number, 6112);
    assert.equal(err.error.errorMessage, "The amount must be greater than zero");
    return true;
  });
});

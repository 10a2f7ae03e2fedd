// The Codama-generated client (@gpunet/client) with @solana/kit: it registers a provider and a
// device, stakes and creates a job with every PDA and bump computed by the generated builders
// (the device's address from the generated PDA helper), and maps a failing instruction's code
// to its generated named error.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  address,
  appendTransactionMessageInstructions,
  createKeyPairSignerFromBytes,
  createSolanaRpc,
  createSolanaRpcSubscriptions,
  createTransactionMessage,
  generateKeyPairSigner,
  getAddressEncoder,
  getProgramDerivedAddress,
  pipe,
  sendAndConfirmTransactionFactory,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from "@solana/kit";
import { economy, escrow, registry } from "../dist/index.js";
import { DEPOSIT, JOB, SPEC, STAKE, startChain } from "./chain.mjs";

let chain;
let rpc;
let sendAndConfirm;
let owner;
before(async () => {
  chain = await startChain();
  rpc = createSolanaRpc(chain.rpcUrl);
  sendAndConfirm = sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions: createSolanaRpcSubscriptions(chain.wsUrl) });
  owner = await createKeyPairSignerFromBytes(chain.secretKey("faucet"));
});
after(async () => {
  await chain?.stop();
});

async function message(ix) {
  const { value: blockhash } = await rpc.getLatestBlockhash().send();
  return pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(owner, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
    (m) => appendTransactionMessageInstructions([ix], m),
  );
}

async function send(ix) {
  await sendAndConfirm(await signTransactionMessageWithSigners(await message(ix)), { commitment: "confirmed" });
}

const tokenAmount = async (account) => BigInt((await rpc.getTokenAccountBalance(account).send()).value.amount);

test("register a provider and a device, stake and create a job, every PDA and bump computed by the generated client", async () => {
  const ioMint = address(chain.genesis["io-mint"]);
  const ownerToken = address(chain.genesis["faucet-io"]);
  const before = await tokenAmount(ownerToken);

  await send(await registry.getRegisterProviderInstructionAsync({ owner, metadataUri: "https://provider.example/gpunet" }));

  const deviceKey = await generateKeyPairSigner();
  const spec = { ...SPEC, padding: new Uint8Array(SPEC.padding) };
  await send(await registry.getRegisterDeviceInstructionAsync({ owner, deviceKey, ioMint, spec }));
  const [device] = await registry.findDevicePda({ deviceKey: deviceKey.address });
  const [provider] = await registry.findProviderPda({ owner: owner.address });
  const [vault] = await registry.findVaultPda({ device });

  await send(await registry.getStakeInstructionAsync({ owner, device, ownerToken, amount: STAKE }));
  const d = await registry.fetchDevice(rpc, device);
  assert.equal(d.data.stake, STAKE);
  assert.equal(d.data.vault, vault);
  assert.equal((await registry.fetchProvider(rpc, provider)).data.totalStake, STAKE);
  assert.equal(await tokenAmount(vault), STAKE);

  const createJob = await escrow.getCreateJobInstructionAsync({
    renter: owner,
    renterToken: ownerToken,
    mint: ioMint,
    jobId: JOB.id,
    pricePerHour: JOB.pricePerHour,
    durationSecs: JOB.durationSecs,
    deviceCount: JOB.deviceCount,
    requirementsHash: new Uint8Array(JOB.requirements),
  });
  await send(createJob);
  const [jobAddress] = await escrow.findJobPda({ renter: owner.address, jobId: JOB.id });
  const job = await escrow.fetchJob(rpc, jobAddress);
  assert.equal(job.data.renter, owner.address);
  assert.equal(job.data.deposited, DEPOSIT);
  assert.equal(await tokenAmount(job.data.vault), DEPOSIT);
  assert.equal(await tokenAmount(ownerToken), before - STAKE - DEPOSIT);

  // A failing instruction: staking nothing. The custom error code maps to the generated named
  // error and its IDL message.
  const zero = await message(await registry.getStakeInstructionAsync({ owner, device, ownerToken, amount: 0n }));
  await assert.rejects(sendAndConfirm(await signTransactionMessageWithSigners(zero), { commitment: "confirmed" }), (err) => {
    const cause = err.cause;
    assert.ok(registry.isRegistryError(cause, zero, registry.REGISTRY_ERROR__INVALID_AMOUNT), `want InvalidAmount, got ${err}: ${cause}`);
    assert.equal(cause.context.code, 6112);
    assert.equal(registry.getRegistryErrorMessage(cause.context.code), "The amount must be greater than zero");
    return true;
  });
});

test("the generated constants are the IDL's: a seed derives the generated PDA, token units are bigints", async () => {
  const [viaSeed] = await getProgramDerivedAddress({
    programAddress: registry.REGISTRY_PROGRAM_ADDRESS,
    seeds: [registry.REGISTRY_SEED_PROVIDER, getAddressEncoder().encode(owner.address)],
  });
  assert.equal(viaSeed, (await registry.findProviderPda({ owner: owner.address }))[0]);
  assert.equal(new TextDecoder().decode(registry.REGISTRY_SEED_PROVIDER), "provider");
  assert.equal(economy.ECONOMY_IO, 10n ** BigInt(economy.ECONOMY_IO_DECIMALS));
  assert.equal(economy.ECONOMY_IO, 100_000_000n);
});

// Deploys linked sBPF programs through BPF Loader Upgradeable on LiteSVM
// (the real Agave SVM) and runs them. Used by internal/sbpf/deploy_test.go.
//
//   node deploy.mjs PROGRAM_V3.so PROGRAM_V0.so
//
// Prints one line per fact; the Go test asserts the exact output.
import { readFileSync } from "node:fs";
import {
  address,
  appendTransactionMessageInstructions,
  createTransactionMessage,
  generateKeyPairSigner,
  getAddressEncoder,
  getProgramDerivedAddress,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  AccountRole,
} from "@solana/kit";
import { getCreateAccountInstruction } from "@solana-program/system";
import { FailedTransactionMetadata, FeatureSet, LiteSVM } from "litesvm";

const LOADER = address("BPFLoaderUpgradeab1e11111111111111111111111");
const SYSTEM = address("11111111111111111111111111111111");
const RENT = address("SysvarRent111111111111111111111111111111111");
const CLOCK = address("SysvarC1ock11111111111111111111111111111111");
// SIMD-0500: disable deployment of SBPF v0, v1 and v2.
const SIMD_0500 = address("B8JJXCy5amZyWG9r7EnUYLwzXSXTxG7GZ1qZ1qggo83g");

const BUFFER_HEADER = 37n; // UpgradeableLoaderState::Buffer
const PROGRAM_SIZE = 36n; // UpgradeableLoaderState::Program
const CHUNK = 900;

// Loader-v3 instructions are bincode: a u32 enum tag, then the fields.
function loaderIx(tag, fields, accounts) {
  const data = new Uint8Array(4 + fields.length);
  new DataView(data.buffer).setUint32(0, tag, true);
  data.set(fields, 4);
  return { programAddress: LOADER, accounts, data };
}
const w = (a) => ({ address: a, role: AccountRole.WRITABLE });
const ro = (a) => ({ address: a, role: AccountRole.READONLY });
const ws = (s) => ({ address: s.address, role: AccountRole.WRITABLE_SIGNER, signer: s });
const rs = (s) => ({ address: s.address, role: AccountRole.READONLY_SIGNER, signer: s });

function initializeBuffer(buffer, authority) {
  return loaderIx(0, new Uint8Array(), [w(buffer.address), ro(authority.address)]);
}
function write(buffer, authority, offset, bytes) {
  const f = new Uint8Array(4 + 8 + bytes.length);
  const v = new DataView(f.buffer);
  v.setUint32(0, offset, true);
  v.setBigUint64(4, BigInt(bytes.length), true);
  f.set(bytes, 12);
  return loaderIx(1, f, [w(buffer.address), rs(authority)]);
}
function deployWithMaxDataLen(payer, programData, program, buffer, authority, maxLen) {
  const f = new Uint8Array(8);
  new DataView(f.buffer).setBigUint64(0, BigInt(maxLen), true);
  return loaderIx(2, f, [
    ws(payer), w(programData), w(program.address), w(buffer.address),
    ro(RENT), ro(CLOCK), ro(SYSTEM), rs(authority),
  ]);
}

async function send(svm, payer, instructions) {
  const msg = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: svm.latestBlockhash(), lastValidBlockHeight: 0n }, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  const res = svm.sendTransaction(await signTransactionMessageWithSigners(msg));
  svm.expireBlockhash(); // a fresh blockhash per transaction avoids AlreadyProcessed
  return res;
}

function must(res, what) {
  if (res instanceof FailedTransactionMetadata) {
    throw new Error(`${what}: ${res.err().toString()}\n${res.meta().logs().join("\n")}`);
  }
  return res;
}

function newSVM(simd0500) {
  const fs = FeatureSet.allEnabled();
  if (!simd0500) fs.deactivate(getAddressEncoder().encode(SIMD_0500));
  return LiteSVM.default()
    .withFeatureSet(fs)
    .withBuiltins()
    .withSysvars()
    .withLamports(1_000_000_000_000n)
    .withDefaultPrograms()
    .withPrecompiles();
}

// deploy runs the real loader flow: buffer, chunked writes, then
// DeployWithMaxDataLen. It returns the program address or a failure.
async function deploy(svm, elf) {
  const payer = await generateKeyPairSigner();
  const buffer = await generateKeyPairSigner();
  const program = await generateKeyPairSigner();
  svm.airdrop(payer.address, 100_000_000_000n);
  const bufLen = BUFFER_HEADER + BigInt(elf.length);
  must(await send(svm, payer, [
    getCreateAccountInstruction({ payer, newAccount: buffer, lamports: svm.minimumBalanceForRentExemption(bufLen), space: bufLen, programAddress: LOADER }),
    initializeBuffer(buffer, payer),
  ]), "create buffer");
  for (let off = 0; off < elf.length; off += CHUNK) {
    must(await send(svm, payer, [write(buffer, payer, off, elf.subarray(off, off + CHUNK))]), "write buffer");
  }
  const [programData] = await getProgramDerivedAddress({ programAddress: LOADER, seeds: [getAddressEncoder().encode(program.address)] });
  const res = await send(svm, payer, [
    getCreateAccountInstruction({ payer, newAccount: program, lamports: svm.minimumBalanceForRentExemption(PROGRAM_SIZE), space: PROGRAM_SIZE, programAddress: LOADER }),
    deployWithMaxDataLen(payer, programData, program, buffer, payer, elf.length),
  ]);
  return { payer, program: program.address, res };
}

async function invoke(svm, payer, program) {
  svm.warpToSlot(svm.getClock().slot + 1n); // deployed programs run from the next slot
  return must(await send(svm, payer, [{ programAddress: program, accounts: [], data: new Uint8Array() }]), "invoke");
}

function report(label, meta) {
  for (const line of meta.logs()) {
    if (line.startsWith("Program log: ")) console.log(`${label} ${line}`);
  }
  console.log(`${label} return: ${Buffer.from(meta.returnData().data()).toString("hex")}`);
}

// rejection names the loader's complaint without the random addresses.
function rejection(res) {
  const line = res.meta().logs().find((l) => !l.startsWith("Program ")) ?? "";
  return `${res.err().toString()} / ${line}`;
}

const [v3Path, v0Path] = process.argv.slice(2);
const v3 = readFileSync(v3Path);
const v0 = readFileSync(v0Path);

{
  const svm = newSVM(true);
  const d = await deploy(svm, v3);
  must(d.res, "deploy v3");
  console.log("v3 deploy: ok");
  report("v3", await invoke(svm, d.payer, d.program));
  const r = await deploy(svm, v0);
  if (!(r.res instanceof FailedTransactionMetadata)) throw new Error("v0 deployed with SIMD-0500 active");
  console.log(`v0 deploy with SIMD-0500: rejected: ${rejection(r.res)}`);
}
{
  const svm = newSVM(false);
  const d = await deploy(svm, v0);
  must(d.res, "deploy v0 without SIMD-0500");
  console.log("v0 deploy without SIMD-0500: ok");
  report("v0", await invoke(svm, d.payer, d.program));
}

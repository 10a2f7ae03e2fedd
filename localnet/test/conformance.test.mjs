// Conformance of the localnet with Solana's JSON-RPC and PubSub, checked with the real
// client @solana/kit (not localnet code) against a server this test starts on free ports.
// Every assertion is on an exact value or error code.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import {
  address,
  appendTransactionMessageInstructions,
  compileTransactionMessage,
  createKeyPairSignerFromBytes,
  createSolanaRpc,
  createSolanaRpcSubscriptions,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64EncodedWireTransaction,
  getCompiledTransactionMessageEncoder,
  getSignatureFromTransaction,
  isSolanaError,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  getBase64Decoder,
  getBase58Decoder,
  SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM,
  SOLANA_ERROR__TRANSACTION_ERROR__ALREADY_PROCESSED,
  SOLANA_ERROR__TRANSACTION_ERROR__BLOCKHASH_NOT_FOUND,
} from "@solana/kit";
import { getTransferSolInstruction } from "@solana-program/system";
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstructionAsync,
  getTransferCheckedInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from "@solana-program/token";
import { startLocalnet } from "../testnode.mjs";

const SOL = 1_000_000_000n;
const FEE = 5000n;
const SYSTEM = "11111111111111111111111111111111";
const SYSTEM_LOGS = [`Program ${SYSTEM} invoke [1]`, `Program ${SYSTEM} success`];

let rpc;
let subs;
let keysDir;
let urls;
let node;
before(async () => {
  node = await startLocalnet();
  keysDir = node.keysDir;
  urls = { rpcUrl: node.rpcUrl, wsUrl: node.wsUrl };
  rpc = createSolanaRpc(urls.rpcUrl);
  subs = createSolanaRpcSubscriptions(urls.wsUrl);
});
after(async () => {
  await node.stop();
});

const key = (name) => createKeyPairSignerFromBytes(new Uint8Array(JSON.parse(readFileSync(join(keysDir, `${name}.json`), "utf8"))));

async function waitFor(what, cond, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function waitStatus(sig, level = "confirmed") {
  return waitFor(`${sig} ${level}`, async () => {
    const { value } = await rpc.getSignatureStatuses([sig], { searchTransactionHistory: true }).send();
    const st = value[0];
    if (!st) return null;
    if (level === "finalized" && st.confirmationStatus !== "finalized") return null;
    return st;
  });
}

async function funded(amount) {
  const s = await generateKeyPairSigner();
  const sig = await rpc.requestAirdrop(s.address, lamports(amount), { commitment: "confirmed" }).send();
  await waitStatus(sig);
  return s;
}

async function buildTx(payer, instructions, blockhash) {
  const bh = blockhash ?? (await rpc.getLatestBlockhash({ commitment: "confirmed" }).send()).value;
  const msg = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(bh, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  return signTransactionMessageWithSigners(msg);
}

async function send(payer, instructions, opts = {}) {
  const tx = await buildTx(payer, instructions);
  const sig = await rpc
    .sendTransaction(getBase64EncodedWireTransaction(tx), { encoding: "base64", preflightCommitment: "confirmed", ...opts })
    .send();
  assert.equal(sig, getSignatureFromTransaction(tx));
  return sig;
}

async function rpcError(promise) {
  try {
    await promise;
  } catch (e) {
    assert.ok(isSolanaError(e), `want a SolanaError, got ${e}`);
    return e;
  }
  assert.fail("expected an RPC error");
}

async function rawPost(body) {
  const res = await fetch(urls.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
  return res.text();
}

describe("cluster", () => {
  test("getHealth, getVersion, getIdentity, getGenesisHash", async () => {
    assert.equal(await rpc.getHealth().send(), "ok");
    const v = await rpc.getVersion().send();
    assert.equal(v["solana-core"], "4.3.0");
    const identity = (await key("identity")).address;
    assert.equal((await rpc.getIdentity().send()).identity, identity);
    // the hash of the identity, stable across restarts; not devnet's, testnet's or mainnet-beta's
    const want = getBase58Decoder().decode(createHash("sha256").update(`gpunet localnet ${identity}`).digest());
    assert.equal(await rpc.getGenesisHash().send(), want);
  });

  test("getSlot, getBlockHeight, getEpochInfo", async () => {
    await waitFor("slot 40", async () => (await rpc.getSlot({ commitment: "processed" }).send()) >= 40n);
    const conf = await rpc.getSlot({ commitment: "confirmed" }).send();
    const fin = await rpc.getSlot({ commitment: "finalized" }).send();
    assert.ok(fin + 32n >= conf && fin + 32n <= conf + 2n, `finalized ${fin} confirmed ${conf}`);
    const h = await rpc.getBlockHeight({ commitment: "finalized" }).send();
    assert.ok(h >= fin);
    const ei = await rpc.getEpochInfo({ commitment: "confirmed" }).send();
    assert.equal(ei.epoch, 0n);
    assert.equal(ei.slotsInEpoch, 432000n);
    assert.equal(ei.slotIndex, ei.absoluteSlot);
    assert.equal(ei.blockHeight, ei.absoluteSlot);
  });

  test("getMinimumBalanceForRentExemption", async () => {
    assert.equal(await rpc.getMinimumBalanceForRentExemption(0n).send(), 890_880n);
    assert.equal(await rpc.getMinimumBalanceForRentExemption(165n).send(), 2_039_280n);
  });

  test("getLatestBlockhash, isBlockhashValid, getFeeForMessage, expiry after 150 blocks", async () => {
    const payer = await funded(SOL);
    const { value: bh } = await rpc.getLatestBlockhash({ commitment: "confirmed" }).send();
    const h = await rpc.getBlockHeight({ commitment: "confirmed" }).send();
    assert.ok(bh.lastValidBlockHeight >= h + 148n && bh.lastValidBlockHeight <= h + 150n);
    assert.equal((await rpc.isBlockhashValid(bh.blockhash, { commitment: "confirmed" }).send()).value, true);
    assert.equal((await rpc.isBlockhashValid("4uQeVj5tqViQh7yWWGStvkEG1Zmhx6uasJtWCJziofM", { commitment: "confirmed" }).send()).value, false);
    const msg = compileTransactionMessage(
      pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayerSigner(payer, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(bh, m),
        (m) => appendTransactionMessageInstructions([getTransferSolInstruction({ source: payer, destination: payer.address, amount: 1n })], m),
      ),
    );
    const b64 = getBase64Decoder().decode(getCompiledTransactionMessageEncoder().encode(msg));
    assert.equal((await rpc.getFeeForMessage(b64, { commitment: "confirmed" }).send()).value, 5000n);
    await waitFor("expiry", async () => (await rpc.getBlockHeight({ commitment: "confirmed" }).send()) > bh.lastValidBlockHeight);
    assert.equal((await rpc.isBlockhashValid(bh.blockhash, { commitment: "confirmed" }).send()).value, false);
    assert.equal((await rpc.getFeeForMessage(b64, { commitment: "confirmed" }).send()).value, null);
    const stale = await buildTx(payer, [getTransferSolInstruction({ source: payer, destination: payer.address, amount: 1n })], bh);
    const e = await rpcError(rpc.sendTransaction(getBase64EncodedWireTransaction(stale), { encoding: "base64" }).send());
    assert.equal(e.context.__code, -32002);
    assert.equal(e.cause.context.__code, SOLANA_ERROR__TRANSACTION_ERROR__BLOCKHASH_NOT_FOUND);
    const raw = JSON.parse(await rawPost(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "sendTransaction", params: [getBase64EncodedWireTransaction(stale), { encoding: "base64" }] })));
    assert.equal(raw.error.code, -32002);
    assert.equal(raw.error.message, "Transaction simulation failed: Blockhash not found");
    assert.equal(raw.error.data.err, "BlockhashNotFound");
  });
});

describe("accounts and tokens", () => {
  test("genesis balances, getAccountInfo (base64, base58, jsonParsed, dataSlice), getMultipleAccounts", async () => {
    const wallet = await key("wallet");
    const { value: bal } = await rpc.getBalance(wallet.address, { commitment: "finalized" }).send();
    assert.equal(bal, 1_000_000n * SOL);
    const io = (await key("io-mint")).address;
    const { value: mint } = await rpc.getAccountInfo(io, { encoding: "jsonParsed", commitment: "confirmed" }).send();
    assert.equal(mint.owner, TOKEN_PROGRAM_ADDRESS);
    assert.equal(mint.space, 82n);
    assert.equal(mint.data.program, "spl-token");
    assert.deepEqual(mint.data.parsed, {
      type: "mint",
      info: { decimals: 8, freezeAuthority: null, isInitialized: true, mintAuthority: (await key("admin")).address, supply: "50100000000000000" },
    });
    const { value: sliced } = await rpc.getAccountInfo(io, { encoding: "base64", dataSlice: { offset: 44, length: 2 }, commitment: "confirmed" }).send();
    assert.deepEqual(sliced.data, ["CAE=", "base64"]); // decimals 8, initialized 1
    const { value: b58 } = await rpc.getAccountInfo(io, { encoding: "base58", dataSlice: { offset: 44, length: 2 }, commitment: "confirmed" }).send();
    assert.deepEqual(b58.data, ["cL", "base58"]);
    const fresh = await generateKeyPairSigner();
    const { value: multi } = await rpc.getMultipleAccounts([wallet.address, fresh.address], { encoding: "base64", commitment: "confirmed" }).send();
    assert.equal(multi.length, 2);
    assert.equal(multi[0].lamports, 1_000_000n * SOL);
    assert.equal(multi[0].rentEpoch, 18446744073709551615n);
    assert.equal(multi[1], null);
    assert.equal((await rpc.getAccountInfo(fresh.address, { commitment: "confirmed" }).send()).value, null);
  });

  test("getTokenSupply, getTokenAccountBalance, getProgramAccounts filters", async () => {
    const io = (await key("io-mint")).address;
    const iosd = (await key("iosd-mint")).address;
    const treasury = (await key("treasury")).address;
    const faucet = (await key("faucet")).address;
    const { value: supply } = await rpc.getTokenSupply(iosd, { commitment: "confirmed" }).send();
    assert.deepEqual(supply, { amount: "1000000000000", decimals: 6, uiAmount: 1000000, uiAmountString: "1000000" });
    const [treasuryIo] = await findAssociatedTokenPda({ owner: treasury, mint: io, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const { value: tb } = await rpc.getTokenAccountBalance(treasuryIo, { commitment: "confirmed" }).send();
    assert.deepEqual(tb, { amount: "50000000000000000", decimals: 8, uiAmount: 500000000, uiAmountString: "500000000" });

    const [faucetIo] = await findAssociatedTokenPda({ owner: faucet, mint: io, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const list = await rpc
      .getProgramAccounts(TOKEN_PROGRAM_ADDRESS, {
        encoding: "base64",
        commitment: "confirmed",
        filters: [{ dataSize: 165n }, { memcmp: { offset: 0n, bytes: io, encoding: "base58" } }, { memcmp: { offset: 32n, bytes: faucet, encoding: "base58" } }],
      })
      .send();
    assert.deepEqual(list.map((a) => a.pubkey), [faucetIo]);
    const withCtx = await rpc
      .getProgramAccounts(TOKEN_PROGRAM_ADDRESS, { encoding: "jsonParsed", commitment: "confirmed", withContext: true, filters: [{ dataSize: 82n }] })
      .send();
    assert.ok(withCtx.context.slot >= 0n);
    assert.deepEqual(withCtx.value.map((a) => a.pubkey).sort(), [io, iosd].sort());
    const e = await rpcError(rpc.getTokenAccountBalance(io, { commitment: "confirmed" }).send());
    assert.equal(e.context.__code, -32602);
    assert.equal(e.context.__serverMessage, "Invalid param: not a Token account");
  });

  test("SPL token transfer: balances, getTokenAccountsByOwner, token balances in getTransaction", async () => {
    const faucet = await key("faucet");
    const io = (await key("io-mint")).address;
    const owner = await generateKeyPairSigner();
    const [src] = await findAssociatedTokenPda({ owner: faucet.address, mint: io, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const [dst] = await findAssociatedTokenPda({ owner: owner.address, mint: io, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const before = (await rpc.getTokenAccountBalance(src, { commitment: "confirmed" }).send()).value.amount;
    const sig = await send(faucet, [
      await getCreateAssociatedTokenIdempotentInstructionAsync({ payer: faucet, owner: owner.address, mint: io }),
      getTransferCheckedInstruction({ source: src, mint: io, destination: dst, authority: faucet, amount: 250_00000000n, decimals: 8 }),
    ]);
    await waitStatus(sig);
    const { value: bal } = await rpc.getTokenAccountBalance(dst, { commitment: "confirmed" }).send();
    assert.deepEqual(bal, { amount: "25000000000", decimals: 8, uiAmount: 250, uiAmountString: "250" });
    const { value: accs } = await rpc.getTokenAccountsByOwner(owner.address, { mint: io }, { encoding: "jsonParsed", commitment: "confirmed" }).send();
    assert.equal(accs.length, 1);
    assert.equal(accs[0].pubkey, dst);
    assert.deepEqual(accs[0].account.data.parsed.info, {
      isNative: false,
      mint: io,
      owner: owner.address,
      state: "initialized",
      tokenAmount: { amount: "25000000000", decimals: 8, uiAmount: 250, uiAmountString: "250" },
    });
    const { value: byProgram } = await rpc
      .getTokenAccountsByOwner(owner.address, { programId: TOKEN_PROGRAM_ADDRESS }, { encoding: "base64", commitment: "confirmed" })
      .send();
    assert.deepEqual(byProgram.map((a) => a.pubkey), [dst]);

    const tx = await rpc.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0, encoding: "json" }).send();
    assert.equal(tx.version, 0);
    assert.equal(tx.meta.err, null);
    assert.equal(tx.meta.fee, 5000n);
    const keys = tx.transaction.message.accountKeys;
    const pre = tx.meta.preTokenBalances;
    assert.equal(pre.length, 1);
    assert.equal(keys[pre[0].accountIndex], src);
    assert.equal(pre[0].uiTokenAmount.amount, before);
    const post = Object.fromEntries(tx.meta.postTokenBalances.map((b) => [keys[b.accountIndex], b]));
    assert.equal(post[dst].uiTokenAmount.amount, "25000000000");
    assert.equal(post[dst].owner, owner.address);
    assert.equal(post[dst].mint, io);
    assert.equal(post[dst].programId, TOKEN_PROGRAM_ADDRESS);
    assert.equal(post[src].uiTokenAmount.amount, (BigInt(before) - 25000000000n).toString());
    assert.equal(tx.meta.innerInstructions.length, 1);
    assert.equal(tx.meta.innerInstructions[0].index, 0);
  });
});

describe("transactions", () => {
  test("requestAirdrop, sendTransaction, getSignatureStatuses, getTransaction", async () => {
    const alice = await funded(2n * SOL);
    const bob = await generateKeyPairSigner();
    const sig = await send(alice, [getTransferSolInstruction({ source: alice, destination: bob.address, amount: SOL / 2n })]);
    const st = await waitStatus(sig);
    assert.equal(st.err, null);
    assert.deepEqual(st.status, { Ok: null });
    assert.equal(st.confirmationStatus, "confirmed");
    assert.equal((await rpc.getBalance(alice.address, { commitment: "confirmed" }).send()).value, 2n * SOL - SOL / 2n - FEE);
    assert.equal((await rpc.getBalance(bob.address, { commitment: "confirmed" }).send()).value, SOL / 2n);
    const tx = await rpc.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 }).send();
    assert.equal(tx.slot, st.slot);
    assert.equal(tx.meta.fee, FEE);
    assert.deepEqual(tx.meta.preBalances, [2n * SOL, 0n, 1n]);
    assert.deepEqual(tx.meta.postBalances, [2n * SOL - SOL / 2n - FEE, SOL / 2n, 1n]);
    assert.deepEqual(tx.meta.logMessages, SYSTEM_LOGS);
    assert.equal(tx.meta.computeUnitsConsumed, 150n);
    assert.deepEqual(tx.meta.loadedAddresses, { writable: [], readonly: [] });
    assert.deepEqual(tx.meta.rewards, []);
    assert.deepEqual(tx.transaction.signatures, [sig]);
    assert.deepEqual(tx.transaction.message.addressTableLookups, []);
    const b64 = await rpc.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0, encoding: "base64" }).send();
    assert.equal(b64.transaction[1], "base64");
    // A v0 transaction without maxSupportedTransactionVersion: -32015.
    const e = await rpcError(rpc.getTransaction(sig, { commitment: "confirmed" }).send());
    assert.equal(e.context.__code, -32015);
    assert.equal(await rpc.getTransaction("1111111111111111111111111111111111111111111111111111111111111111", { commitment: "confirmed" }).send(), null);
  });

  test("a failing transaction: preflight error shape, skipPreflight lands with meta.err", async () => {
    const alice = await funded(SOL);
    const bob = await generateKeyPairSigner();
    const tx = await buildTx(alice, [getTransferSolInstruction({ source: alice, destination: bob.address, amount: 3n * SOL })]);
    const wire = getBase64EncodedWireTransaction(tx);
    const e = await rpcError(rpc.sendTransaction(wire, { encoding: "base64", preflightCommitment: "confirmed" }).send());
    assert.equal(e.context.__code, -32002);
    assert.equal(e.cause.context.__code, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM);
    assert.equal(e.cause.context.code, 1);
    assert.equal(e.cause.context.index, 0);
    const raw = JSON.parse(await rawPost(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "sendTransaction", params: [wire, { encoding: "base64" }] })));
    assert.equal(raw.error.message, "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1");
    assert.deepEqual(raw.error.data.err, { InstructionError: [0, { Custom: 1 }] });
    assert.equal(e.context.accounts, null);
    assert.equal(e.context.unitsConsumed, 150n);
    assert.deepEqual(e.context.logs, [
      `Program ${SYSTEM} invoke [1]`,
      "Transfer: insufficient lamports 999995000, need 3000000000",
      `Program ${SYSTEM} failed: custom program error: 0x1`,
    ]);
    const sig = await rpc.sendTransaction(wire, { encoding: "base64", skipPreflight: true }).send();
    const st = await waitStatus(sig);
    // kit parses every JSON integer as a bigint.
    assert.deepEqual(st.err, { InstructionError: [0n, { Custom: 1n }] });
    assert.deepEqual(st.status, { Err: { InstructionError: [0n, { Custom: 1n }] } });
    const got = await rpc.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 }).send();
    assert.deepEqual(got.meta.err, { InstructionError: [0n, { Custom: 1n }] });
    assert.deepEqual(got.meta.postBalances, [SOL - FEE, 0n, 1n]);
    assert.equal((await rpc.getBalance(alice.address, { commitment: "confirmed" }).send()).value, SOL - FEE);
    // Again: AlreadyProcessed.
    const again = await rpcError(rpc.sendTransaction(wire, { encoding: "base64" }).send());
    assert.equal(again.context.__code, -32002);
    assert.equal(again.cause.context.__code, SOLANA_ERROR__TRANSACTION_ERROR__ALREADY_PROCESSED);
  });

  test("simulateTransaction: accounts, sigVerify, replaceRecentBlockhash", async () => {
    const alice = await funded(SOL);
    const bob = await generateKeyPairSigner();
    const tx = await buildTx(alice, [getTransferSolInstruction({ source: alice, destination: bob.address, amount: 1_000_000n })]);
    const wire = getBase64EncodedWireTransaction(tx);
    const { value } = await rpc
      .simulateTransaction(wire, { encoding: "base64", sigVerify: true, commitment: "confirmed", accounts: { encoding: "base64", addresses: [alice.address, bob.address] } })
      .send();
    assert.equal(value.err, null);
    assert.deepEqual(value.logs, SYSTEM_LOGS);
    assert.equal(value.unitsConsumed, 150n);
    assert.equal(value.accounts[0].lamports, SOL - 1_000_000n - FEE);
    assert.equal(value.accounts[1].lamports, 1_000_000n);
    assert.equal(value.replacementBlockhash, null);
    const replaced = await rpc.simulateTransaction(wire, { encoding: "base64", replaceRecentBlockhash: true }).send();
    assert.equal(replaced.value.err, null);
    const { value: latest } = await rpc.getLatestBlockhash({ commitment: "processed" }).send();
    assert.ok(replaced.value.replacementBlockhash.lastValidBlockHeight >= latest.lastValidBlockHeight - 2n);
    const e = await rpcError(rpc.simulateTransaction(wire, { encoding: "base64", sigVerify: true, replaceRecentBlockhash: true }).send());
    assert.equal(e.context.__code, -32602);
    assert.equal((await rpc.getBalance(alice.address, { commitment: "processed" }).send()).value, SOL);
  });

  test("getSignaturesForAddress paging", async () => {
    const alice = await funded(SOL);
    const bob = await generateKeyPairSigner();
    const sigs = [];
    for (let i = 1n; i <= 4n; i++) {
      const s = await send(alice, [getTransferSolInstruction({ source: alice, destination: bob.address, amount: i * 1_000_000n })]);
      await waitStatus(s);
      sigs.push(s);
    }
    const p1 = await rpc.getSignaturesForAddress(bob.address, { limit: 3, commitment: "confirmed" }).send();
    assert.deepEqual(p1.map((s) => s.signature), [sigs[3], sigs[2], sigs[1]]);
    const p2 = await rpc.getSignaturesForAddress(bob.address, { limit: 3, before: p1[2].signature, commitment: "confirmed" }).send();
    assert.deepEqual(p2.map((s) => s.signature), [sigs[0]]);
    const until = await rpc.getSignaturesForAddress(bob.address, { until: sigs[1], commitment: "confirmed" }).send();
    assert.deepEqual(until.map((s) => s.signature), [sigs[3], sigs[2]]);
    for (const s of p1) {
      assert.equal(s.err, null);
      assert.equal(s.memo, null);
      assert.equal(typeof s.blockTime, "bigint");
    }
  });

  test("getBlock, getBlocks, getBlockTime", async () => {
    const alice = await funded(SOL);
    const sig = await send(alice, [getTransferSolInstruction({ source: alice, destination: (await generateKeyPairSigner()).address, amount: 1_000_000n })]);
    const st = await waitStatus(sig);
    const block = await rpc.getBlock(st.slot, { commitment: "confirmed", maxSupportedTransactionVersion: 0, transactionDetails: "full", rewards: true }).send();
    assert.equal(block.parentSlot, st.slot - 1n);
    assert.equal(block.blockHeight, st.slot);
    assert.deepEqual(block.rewards, []);
    assert.ok(block.transactions.some((t) => t.transaction.signatures[0] === sig));
    const sigsOnly = await rpc.getBlock(st.slot, { commitment: "confirmed", transactionDetails: "signatures", rewards: false }).send();
    assert.ok(sigsOnly.signatures.includes(sig));
    assert.equal(sigsOnly.rewards, undefined);
    const parent = await rpc.getBlock(st.slot - 1n, { commitment: "confirmed", transactionDetails: "none" }).send();
    assert.equal(parent.blockhash, block.previousBlockhash);
    assert.equal(await rpc.getBlockTime(st.slot).send(), block.blockTime);
    assert.deepEqual(await rpc.getBlocks(st.slot - 2n, st.slot, { commitment: "confirmed" }).send(), [st.slot - 2n, st.slot - 1n, st.slot]);
    const e = await rpcError(rpc.getBlock(st.slot + 1_000_000n, { commitment: "confirmed" }).send());
    assert.equal(e.context.__code, -32004);
  });

  test("JSON-RPC envelope: exact 63-bit ids, batches, errors", async () => {
    assert.equal(await rawPost('{"jsonrpc":"2.0","id":9007199254740993,"method":"getHealth"}'), '{"jsonrpc":"2.0","result":"ok","id":9007199254740993}');
    assert.equal(
      await rawPost('[{"jsonrpc":"2.0","id":1,"method":"getHealth"},{"jsonrpc":"2.0","id":2,"method":"nope"}]'),
      '[{"jsonrpc":"2.0","result":"ok","id":1},{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":2}]',
    );
    assert.equal(await rawPost("{"), '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}');
  });
});

describe("subscriptions", () => {
  test("accountSubscribe", async () => {
    const ac = new AbortController();
    const target = await generateKeyPairSigner();
    const it = (await subs.accountNotifications(target.address, { commitment: "confirmed", encoding: "base64" }).subscribe({ abortSignal: ac.signal }))[Symbol.asyncIterator]();
    const first = it.next();
    await barrier();
    const sig = await rpc.requestAirdrop(target.address, lamports(4n * SOL), { commitment: "confirmed" }).send();
    const n = (await first).value;
    assert.equal(n.value.lamports, 4n * SOL);
    assert.equal(n.value.owner, SYSTEM);
    assert.equal(n.context.slot, (await waitStatus(sig)).slot);
    ac.abort();
  });

  test("programSubscribe with filters", async () => {
    const ac = new AbortController();
    const faucet = await key("faucet");
    const io = (await key("io-mint")).address;
    const owner = await generateKeyPairSigner();
    const it = (
      await subs
        .programNotifications(TOKEN_PROGRAM_ADDRESS, {
          commitment: "confirmed",
          encoding: "jsonParsed",
          filters: [{ dataSize: 165n }, { memcmp: { offset: 32n, bytes: owner.address, encoding: "base58" } }],
        })
        .subscribe({ abortSignal: ac.signal })
    )[Symbol.asyncIterator]();
    const first = it.next();
    await barrier();
    const [src] = await findAssociatedTokenPda({ owner: faucet.address, mint: io, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const [dst] = await findAssociatedTokenPda({ owner: owner.address, mint: io, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    await send(faucet, [
      await getCreateAssociatedTokenIdempotentInstructionAsync({ payer: faucet, owner: owner.address, mint: io }),
      getTransferCheckedInstruction({ source: src, mint: io, destination: dst, authority: faucet, amount: 5n, decimals: 8 }),
    ]);
    const n = (await first).value;
    assert.equal(n.value.pubkey, dst);
    assert.equal(n.value.account.data.parsed.info.tokenAmount.amount, "5");
    assert.equal(n.value.account.data.parsed.info.owner, owner.address);
    ac.abort();
  });

  test("logsSubscribe mentions", async () => {
    const ac = new AbortController();
    const alice = await funded(SOL);
    const bob = await generateKeyPairSigner();
    const it = (await subs.logsNotifications({ mentions: [bob.address] }, { commitment: "confirmed" }).subscribe({ abortSignal: ac.signal }))[Symbol.asyncIterator]();
    const first = it.next();
    await barrier();
    const sig = await send(alice, [getTransferSolInstruction({ source: alice, destination: bob.address, amount: SOL / 10n })]);
    const n = (await first).value;
    assert.deepEqual(n.value, { signature: sig, err: null, logs: SYSTEM_LOGS });
    ac.abort();
  });

  test("signatureSubscribe notifies once", async () => {
    const ac = new AbortController();
    const alice = await funded(SOL);
    const tx = await buildTx(alice, [getTransferSolInstruction({ source: alice, destination: (await generateKeyPairSigner()).address, amount: 1_000_000n })]);
    const sig = getSignatureFromTransaction(tx);
    const it = (await subs.signatureNotifications(sig, { commitment: "confirmed" }).subscribe({ abortSignal: ac.signal }))[Symbol.asyncIterator]();
    const first = it.next();
    await barrier();
    await rpc.sendTransaction(getBase64EncodedWireTransaction(tx), { encoding: "base64" }).send();
    const n = (await first).value;
    assert.deepEqual(n.value, { err: null });
    assert.equal(n.context.slot, (await waitStatus(sig)).slot);
    ac.abort();
  });

  test("slotSubscribe", async () => {
    const ac = new AbortController();
    const it = (await subs.slotNotifications().subscribe({ abortSignal: ac.signal }))[Symbol.asyncIterator]();
    const a = (await it.next()).value;
    const b = (await it.next()).value;
    assert.equal(b.slot, a.slot + 1n);
    assert.equal(b.parent, b.slot - 1n);
    if (b.slot >= 32n) assert.equal(b.root, b.slot - 32n);
    ac.abort();
  });

  test("unsubscribe of an unknown id", async () => {
    const ws = new WebSocket(urls.wsUrl);
    await new Promise((r) => ws.once("open", r));
    const reply = new Promise((r) => ws.once("message", (m) => r(m.toString())));
    ws.send('{"jsonrpc":"2.0","id":7,"method":"accountUnsubscribe","params":[123456]}');
    assert.equal(await reply, '{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid subscription id."},"id":7}');
    ws.close();
  });
});

/**
 * Kit opens subscriptions on one shared connection; a slot notification on a fresh
 * subscription proves the server has registered every earlier subscribe message.
 */
async function barrier() {
  const ac = new AbortController();
  const it = (await subs.slotNotifications().subscribe({ abortSignal: ac.signal }))[Symbol.asyncIterator]();
  await it.next();
  ac.abort();
}

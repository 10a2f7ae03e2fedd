import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { address, createKeyPairFromPrivateKeyBytes, signBytes } from "@solana/kit";
import { keyFromSignature, openToken, walletMessage } from "../src/wallet/jobkey";

const v = JSON.parse(readFileSync(fileURLToPath(new URL("../testdata/jobsecret.json", import.meta.url)), "utf8"));
const bytes = (h: string) => Uint8Array.from(h.match(/../g)!.map((x: string) => parseInt(x, 16)));
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

// testdata/jobsecret.json is made and checked by internal/jobsecret (web/jobsecret_test.go).
it("derives the renter's job key and opens the token exactly as internal/jobsecret", async () => {
  const job = address(v.job);
  expect(walletMessage(job)).toBe(v.message);
  const wallet = await createKeyPairFromPrivateKeyBytes(bytes(v.wallet_seed));
  const sig = new Uint8Array(await signBytes(wallet.privateKey, new TextEncoder().encode(v.message)));
  expect(hex(sig)).toBe(v.signature);
  const { priv, pub } = keyFromSignature(sig);
  expect(hex(pub)).toBe(v.public);
  expect(openToken(priv, bytes(v.sealed), job)).toBe(v.token);
});

it("refuses a token altered, sealed for another job or to another key", () => {
  const job = address(v.job);
  const { priv } = keyFromSignature(bytes(v.signature));
  const altered = bytes(v.sealed);
  altered[40] ^= 1;
  expect(() => openToken(priv, altered, job)).toThrow();
  expect(() => openToken(priv, bytes(v.sealed), address("11111111111111111111111111111111"))).toThrow();
  expect(() => openToken(keyFromSignature(new Uint8Array(64)).priv, bytes(v.sealed), job)).toThrow();
  expect(() => openToken(priv, bytes(v.sealed).slice(1), job)).toThrow("80 bytes");
});

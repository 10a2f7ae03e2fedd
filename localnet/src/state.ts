// --state DIR: the SVM snapshot (LiteSVM toBytes) plus the ledger, written atomically.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Chain, Svm } from "./chain.js";
import { lite } from "./chain.js";
import { parseJson, stringifyJson } from "./encoding/json.js";
import { Ledger } from "./ledger.js";

const SVM_FILE = "svm.bin";
const LEDGER_FILE = "ledger.json";

function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function hasState(dir: string): boolean {
  return existsSync(join(dir, SVM_FILE)) && existsSync(join(dir, LEDGER_FILE));
}

export function loadState(dir: string): { svm: Svm; ledger: Ledger } {
  const svm = lite.LiteSvm.fromBytes(readFileSync(join(dir, SVM_FILE)));
  const ledger = Ledger.fromJSON(parseJson(readFileSync(join(dir, LEDGER_FILE), "utf8")));
  return { svm, ledger };
}

export function saveState(dir: string, chain: Chain): void {
  mkdirSync(dir, { recursive: true });
  // Ledger first: a crash between the two leaves an SVM one step behind at worst.
  writeAtomic(join(dir, LEDGER_FILE), stringifyJson(chain.ledger.toJSON()));
  writeAtomic(join(dir, SVM_FILE), chain.svm.toBytes());
}

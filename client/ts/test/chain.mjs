// The chain the client tests run against: a localnet with the three programs deployed at their
// Anchor.toml ids and configured as `make dev` does (gpunet localnet-init, DEV-ONLY keys). The
// faucet key holds SOL, and IO and IOSD in the token accounts the localnet's genesis names.

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startLocalnet } from "../../../localnet/testnode.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The IDL of a program, as the repository holds it. */
export const idl = (program) => JSON.parse(readFileSync(join(ROOT, "idl", `${program}.json`), "utf8"));

/** A configured localnet: startLocalnet's fields, genesis (name -> address) and secretKey(name). */
export async function startChain() {
  const node = await startLocalnet({ programs: true });
  try {
    await promisify(execFile)(process.env.GO ?? "go", ["run", "./cmd/gpunet", "localnet-init", "--keys", node.keysDir, "--url", node.rpcUrl], { cwd: ROOT });
  } catch (err) {
    await node.stop();
    throw err;
  }
  const genesis = Object.fromEntries(
    node.output.filter((l) => l.startsWith("localnet: genesis ")).map((l) => l.slice("localnet: genesis ".length).split(" ")),
  );
  const secretKey = (name) => new Uint8Array(JSON.parse(readFileSync(join(node.keysDir, `${name}.json`), "utf8")));
  return { ...node, genesis, secretKey };
}

// What both tests book: a CPU-only device, and a one-hour job for one device at 2 IO an hour.
const constant = (program, name) => idl(program).constants.find((c) => c.name === name).value;
export const IO = BigInt(constant("economy", "IO")); // base units
export const STAKE = 1_000n * IO;
export const JOB = { id: 7n, pricePerHour: 2n * IO, durationSecs: 3_600, deviceCount: 1, requirements: Array(32).fill(9) };
export const DEPOSIT = 2n * IO;
export const SPEC = { hardwareModel: 0, vramGib: 0, gpuCount: 0, region: 1, bandwidthTier: 1, padding: [0, 0, 0] };

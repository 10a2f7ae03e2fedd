// A localnet for tests: localnet/dist/main.js on free ports, 25 ms slots, its state and DEV-ONLY
// keys in a fresh temporary directory. With programs, the repository's target/deploy programs
// are deployed at their Anchor.toml ids; without, none are.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, "dist", "main.js");
const ROOT = join(here, "..");

/** Starts the localnet and resolves once it is ready: { rpcUrl, wsUrl, keysDir, output, stop }. */
export async function startLocalnet({ programs = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "localnet-test-"));
  const keysDir = join(dir, "keys");
  const deploy = programs
    ? ["--anchor-toml", join(ROOT, "Anchor.toml"), "--deploy-dir", join(ROOT, "target", "deploy")]
    : ["--anchor-toml", join(dir, "none.toml")];
  const output = [];
  const proc = spawn(
    process.execPath,
    [MAIN, "--rpc-port", "0", "--ws-port", "0", "--keys-dir", keysDir, "--state", join(dir, "state"), "--slot-ms", "25", ...deploy],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let rpcUrl;
  let wsUrl;
  await new Promise((resolve, reject) => {
    let buf = "";
    proc.stderr.on("data", (d) => output.push(d.toString()));
    proc.stdout.on("data", (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        output.push(line);
        if (line.startsWith("localnet: rpc ")) rpcUrl = line.slice("localnet: rpc ".length);
        if (line.startsWith("localnet: ws ")) wsUrl = line.slice("localnet: ws ".length);
        if (line === "localnet ready") resolve();
      }
    });
    proc.on("exit", (code) => reject(new Error(`localnet exited (${code}):\n${output.join("\n")}`)));
  });
  const stop = async () => {
    proc.removeAllListeners("exit");
    const exited = new Promise((r) => proc.on("exit", r));
    proc.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  return { rpcUrl, wsUrl, keysDir, output, stop };
}

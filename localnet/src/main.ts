// gpunet localnet: a Solana JSON-RPC + PubSub server on LiteSVM (the Agave SVM
// in-process). DEV ONLY: every key it uses is derived from a public seed.

import { createServer, type Server } from "node:http";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Chain, lite, type Svm } from "./chain.js";
import { ConfigError, parseArgs, type Config } from "./config.js";
import { DeployError, deployProgram, programsFromAnchorToml, type ProgramSpec } from "./deploy.js";
import { devKey, writeDevKeys } from "./devkeys.js";
import { applyGenesis, GENESIS_SOL } from "./genesis.js";
import { Ledger } from "./ledger.js";
import { PubSub } from "./pubsub/server.js";
import { createRpcServer } from "./rpc/server.js";
import { hasState, loadState, saveState } from "./state.js";

const log = (msg: string) => process.stdout.write(`localnet: ${msg}\n`);
const logErr = (msg: string) => process.stderr.write(`localnet: ${msg}\n`);

/** LiteSVM with every feature active (SIMD-0500 included), as the notes prescribe. */
function freshSvm(): Svm {
  const svm = lite.LiteSvm.default();
  svm.setFeatureSet(lite.FeatureSet.allEnabled());
  svm.setBuiltins();
  svm.setSysvars();
  svm.setLamports(1_000_000_000_000_000_000n);
  svm.setDefaultPrograms();
  svm.setPrecompiles();
  return svm;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((res, rej) => {
    server.once("error", rej);
    server.listen(port, host, () => {
      const addr = server.address();
      res(typeof addr === "object" && addr ? addr.port : port);
    });
  });
}

async function run(cfg: Config): Promise<void> {
  const extraNames = cfg.programs.map((p) => `${p.name}-program`);
  writeDevKeys(cfg.keysDir, extraNames);
  log(`keys dir ${resolve(cfg.keysDir)} (DEV-ONLY public keys)`);

  let chain: Chain;
  const identity = devKey("identity").address;
  if (cfg.stateDir && hasState(cfg.stateDir)) {
    const st = loadState(cfg.stateDir);
    chain = new Chain(st.svm, st.ledger, identity);
    chain.resume();
    log(`state restored from ${resolve(cfg.stateDir)} at slot ${chain.slot}`);
  } else {
    chain = new Chain(freshSvm(), new Ledger(), identity);
    chain.openGenesis();
    const addrs = await applyGenesis(chain);
    for (const name of Object.keys(GENESIS_SOL)) {
      log(`genesis ${name} ${devKey(name).address}`);
    }
    for (const [name, addr] of Object.entries(addrs)) log(`genesis ${name} ${addr}`);
  }

  const specs: ProgramSpec[] = programsFromAnchorToml(cfg.anchorToml, cfg.deployDir, (name, id, path) =>
    log(`program ${name} ${id} not deployed (no ${path})`),
  );
  if (!existsSync(cfg.anchorToml)) log(`no ${cfg.anchorToml}: deploying no Anchor programs`);
  for (const p of cfg.programs) {
    if (!existsSync(p.path)) throw new DeployError(`--program ${p.name}: ${p.path} does not exist`);
    specs.push(p);
  }
  let changed = false;
  for (const spec of specs) {
    const r = await deployProgram(chain, spec);
    log(`program ${r.name} ${r.programId} ${r.action} (${r.size} bytes from ${spec.path})`);
    changed ||= r.action !== "unchanged";
  }
  if (changed) chain.tick(); // programs are callable one slot after deployment

  const faucet = devKey("faucet");
  const rpc = createRpcServer({ chain, faucet }, logErr);
  const pubsub = new PubSub(chain, logErr);
  pubsub.attach(rpc);
  const wsServer = createServer((_req, res) => res.writeHead(426).end("WebSocket upgrade required"));
  pubsub.attach(wsServer);
  const rpcPort = await listen(rpc, cfg.rpcPort, cfg.host);
  const wsPort = await listen(wsServer, cfg.wsPort, cfg.host);
  log(`rpc http://${cfg.host}:${rpcPort}`);
  log(`ws ws://${cfg.host}:${wsPort}`);
  log(`slot ${chain.slot}, slot time ${cfg.slotMs} ms`);

  const timer = setInterval(() => {
    try {
      chain.tick();
    } catch (e) {
      logErr(`tick: ${(e as Error).stack ?? String(e)}`);
    }
  }, cfg.slotMs);
  let saver: NodeJS.Timeout | null = null;
  if (cfg.stateDir) {
    const dir = cfg.stateDir;
    saveState(dir, chain);
    saver = setInterval(() => {
      try {
        saveState(dir, chain);
      } catch (e) {
        logErr(`save state: ${(e as Error).message}`);
      }
    }, cfg.saveIntervalMs);
  }

  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    if (saver) clearInterval(saver);
    pubsub.close();
    rpc.closeAllConnections();
    wsServer.closeAllConnections();
    rpc.close();
    wsServer.close();
    if (cfg.stateDir) {
      saveState(cfg.stateDir, chain);
      log(`state saved to ${resolve(cfg.stateDir)} at slot ${chain.slot}`);
    }
    log(`stopped (${sig})`);
    process.exit(0);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.stdout.write("localnet ready\n");
}

let cfg: Config;
try {
  cfg = parseArgs(process.argv.slice(2));
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  throw e;
}
run(cfg).catch((e: unknown) => {
  if (e instanceof DeployError) logErr(`deploy failed: ${e.message}`);
  else logErr(`startup failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});

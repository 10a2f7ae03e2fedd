// Command-line configuration.

import { resolve } from "node:path";

export interface Config {
  rpcPort: number;
  wsPort: number;
  host: string;
  anchorToml: string;
  deployDir: string;
  stateDir: string | null;
  keysDir: string;
  slotMs: number;
  programs: { name: string; path: string }[];
  saveIntervalMs: number;
}

export const USAGE = `usage: node localnet/dist/main.js [options]
  --rpc-port N        JSON-RPC HTTP port (default 8899)
  --ws-port N         PubSub WebSocket port (default 8900; the RPC port also accepts upgrades)
  --host ADDR         listen address (default 127.0.0.1)
  --anchor-toml PATH  Anchor.toml with [programs.localnet] (default Anchor.toml)
  --deploy-dir DIR    where NAME.so files are (default target/deploy)
  --state DIR         persist and resume the chain in DIR
  --keys-dir DIR      where DEV-ONLY keypairs are written (default target/localnet/keys)
  --slot-ms N         slot duration in milliseconds (default 400)
  --program NAME=PATH deploy PATH at the dev key of NAME-program (repeatable)`;

export class ConfigError extends Error {}

export function parseArgs(argv: string[]): Config {
  const cfg: Config = {
    rpcPort: 8899,
    wsPort: 8900,
    host: "127.0.0.1",
    anchorToml: "Anchor.toml",
    deployDir: "target/deploy",
    stateDir: null,
    keysDir: "target/localnet/keys",
    slotMs: 400,
    programs: [],
    saveIntervalMs: 5000,
  };
  const int = (flag: string, v: string, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${flag}: expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value: string | undefined;
    const eq = flag.indexOf("=");
    if (flag.startsWith("--") && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    const next = (): string => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined) throw new ConfigError(`${flag}: missing value`);
      return v;
    };
    switch (flag) {
      case "--rpc-port":
        cfg.rpcPort = int(flag, next(), 0, 65535);
        break;
      case "--ws-port":
        cfg.wsPort = int(flag, next(), 0, 65535);
        break;
      case "--host":
        cfg.host = next();
        break;
      case "--anchor-toml":
        cfg.anchorToml = next();
        break;
      case "--deploy-dir":
        cfg.deployDir = next();
        break;
      case "--state":
        cfg.stateDir = next();
        break;
      case "--keys-dir":
        cfg.keysDir = next();
        break;
      case "--slot-ms":
        cfg.slotMs = int(flag, next(), 1, 60_000);
        break;
      case "--program": {
        const v = next();
        const at = v.indexOf("=");
        if (at <= 0 || at === v.length - 1) throw new ConfigError(`--program: expected NAME=PATH.so, got ${JSON.stringify(v)}`);
        cfg.programs.push({ name: v.slice(0, at), path: resolve(v.slice(at + 1)) });
        break;
      }
      case "-h":
      case "--help":
        throw new ConfigError(USAGE);
      default:
        throw new ConfigError(`unknown flag ${JSON.stringify(argv[i])}\n${USAGE}`);
    }
  }
  return cfg;
}

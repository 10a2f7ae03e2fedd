// Chain errors by their names: the IDL's (idl/*.json) for gpunet's programs' custom codes.
import { errors as economyErrors } from "../../../idl/economy.json";
import { errors as escrowErrors } from "../../../idl/escrow.json";
import { errors as registryErrors } from "../../../idl/registry.json";
import { economy, escrow, registry } from "@gpunet/client";
import * as kit from "@solana/kit";

/** kitErrors names @solana/kit's error codes (production builds carry only the number). */
const kitErrors = new Map<number, string>(
  Object.entries(kit)
    .filter(([k, v]) => k.startsWith("SOLANA_ERROR__") && typeof v === "number")
    .map(([k, v]) => [v as number, k.slice("SOLANA_ERROR__".length)]),
);

type IdlError = { code: number; name: string; msg?: string };
const programs: Record<string, { name: string; errors: IdlError[] }> = {
  [registry.REGISTRY_PROGRAM_ADDRESS]: { name: "registry", errors: registryErrors },
  [escrow.ESCROW_PROGRAM_ADDRESS]: { name: "escrow", errors: escrowErrors },
  [economy.ECONOMY_PROGRAM_ADDRESS]: { name: "economy", errors: economyErrors },
};

/** errorName names a custom error of a program: "registry: StakeTooLow (6012: ...)". */
export function errorName(program: string, code: number): string {
  const p = programs[program];
  if (!p) return `custom error ${code} of program ${program}`;
  const e = p.errors.find((x) => x.code === code);
  return e ? `${p.name}: ${e.name} (${code}${e.msg ? ": " + e.msg : ""})` : `${p.name}: unknown error ${code}`;
}

/** failedProgram is the program whose failure the logs end with. */
export function failedProgram(logs: readonly string[]): string | undefined {
  for (let i = logs.length - 1; i >= 0; i--) {
    const m = /^Program (\w+) failed/.exec(logs[i]);
    if (m) return m[1];
  }
  return undefined;
}

function customCode(err: unknown): number | undefined {
  // {InstructionError: [index, {Custom: code}]} as the RPC writes it
  const ie = (err as { InstructionError?: [number, unknown] } | null)?.InstructionError;
  if (!ie) return undefined;
  const c = (ie[1] as { Custom?: number | bigint } | null)?.Custom;
  return c === undefined ? undefined : Number(c);
}

/** chainErrorOf names a failed transaction's error from its `err` and logs. */
export function chainErrorOf(err: unknown, logs: readonly string[]): string {
  const code = customCode(err);
  const program = failedProgram(logs);
  if (code !== undefined && program) return errorName(program, code);
  return typeof err === "string" ? err : JSON.stringify(err, (_k, v) => (typeof v === "bigint" ? Number(v) : v));
}

/**
 * describeError names what went wrong with a transaction sent from the page: a program's
 * error by its IDL name (from a simulation's or the chain's logs), else the error's message.
 */
export function describeError(e: unknown): string {
  let logs: readonly string[] = [];
  let code: number | undefined;
  let deepest: string | undefined; // the innermost kit error's name
  for (let x: unknown = e, depth = 0; x && depth < 6; depth++) {
    const ctx = (x as { context?: Record<string, unknown> }).context;
    if (ctx) {
      if (Array.isArray(ctx.logs) && ctx.logs.length) logs = ctx.logs as string[];
      if (typeof ctx.code === "number") code ??= ctx.code as number;
      if (typeof ctx.__code === "number" && kitErrors.has(ctx.__code)) deepest = kitErrors.get(ctx.__code);
    }
    x = (x as { cause?: unknown }).cause;
  }
  const program = failedProgram(logs);
  if (program) {
    const m = logs.map((l) => /custom program error: (0x[0-9a-f]+)/i.exec(l)).find(Boolean);
    const c = m ? Number(m[1]) : code;
    if (c !== undefined) return errorName(program, c);
  }
  if (deepest) return deepest; // e.g. TRANSACTION_ERROR__ALREADY_PROCESSED, TRANSACTION_ERROR__BLOCKHASH_NOT_FOUND
  return e instanceof Error ? e.message : String(e);
}

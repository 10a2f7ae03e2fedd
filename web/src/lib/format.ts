// Formatting of the API's figures. Token amounts arrive as decimal strings of base units
// (u64, beyond JavaScript's safe integers), so they are handled as bigint, never as number.

export const IO_DECIMALS = 8;
export const IOSD_DECIMALS = 6;

export interface Token {
  symbol: string;
  decimals: number;
}
export const IO: Token = { symbol: "IO", decimals: IO_DECIMALS };
export const IOSD: Token = { symbol: "IOSD", decimals: IOSD_DECIMALS };

/** tokenOf names a job's token from the API's `token` field ("io" | "iosd" | mint). */
export function tokenOf(name: string): Token {
  return name.toLowerCase() === "io" ? IO : IOSD;
}

const group = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/**
 * formatUnits writes a base-unit amount in whole tokens with thousands separators, rounded
 * half away from zero to `maxFraction` digits (trailing zeros dropped): ("123456789", 8, 4)
 * -> "1.2346". A non-integer input is returned as "?" rather than a wrong figure.
 */
export function formatUnits(base: string | bigint, decimals: number, maxFraction = 4): string {
  let v: bigint;
  try {
    v = typeof base === "bigint" ? base : BigInt(base);
  } catch {
    return "?";
  }
  const neg = v < 0n;
  if (neg) v = -v;
  const frac = Math.max(0, Math.min(maxFraction, decimals));
  const drop = 10n ** BigInt(decimals - frac);
  let scaled = v / drop;
  if ((v % drop) * 2n >= drop && drop > 1n) scaled += 1n;
  const unit = 10n ** BigInt(frac);
  const whole = scaled / unit;
  let fraction = frac > 0 ? (scaled % unit).toString().padStart(frac, "0").replace(/0+$/, "") : "";
  if (whole === 0n && fraction === "" && v !== 0n) {
    // too small to show at this precision: say so instead of 0
    return (neg ? ">-" : "<") + (frac > 0 ? "0." + "0".repeat(frac - 1) + "1" : "1");
  }
  return (neg ? "-" : "") + group(whole.toString()) + (fraction ? "." + fraction : "");
}

/** formatToken is formatUnits with the token's symbol: "1,234.5 IO". */
export function formatToken(base: string | bigint, token: Token, maxFraction = 4): string {
  return `${formatUnits(base, token.decimals, maxFraction)} ${token.symbol}`;
}

/**
 * parseUnits reads a decimal string typed by a person ("1.5") as base units; it refuses more
 * fraction digits than the token has, signs, exponents and anything over u64.
 */
export function parseUnits(text: string, decimals: number): bigint {
  const t = text.trim();
  const m = /^([0-9]{1,20})(?:\.([0-9]*))?$/.exec(t) ?? /^()\.([0-9]+)$/.exec(t);
  if (!m) throw new Error(`"${text}" is not an amount`);
  const frac = m[2] ?? "";
  if (frac.length > decimals) throw new Error(`at most ${decimals} decimals`);
  const v = BigInt(m[1] || "0") * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
  if (v > 0xffff_ffff_ffff_ffffn) throw new Error("too large");
  return v;
}

/** formatCount writes an integer count with separators ("12,345"); bigint strings too. */
export function formatCount(n: number | string | bigint): string {
  try {
    const v = BigInt(n);
    return (v < 0n ? "-" : "") + group((v < 0n ? -v : v).toString());
  } catch {
    return "?";
  }
}

/** trimZeros drops a fraction's trailing zeros ("1.50" -> "1.5", "2.00" -> "2"), never an integer's. */
const trimZeros = (s: string) => (s.includes(".") && !s.includes("e") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);

const si = ["", "k", "M", "G", "T", "P", "E", "Z"];

/** formatSI writes a large figure with an SI prefix and 3 significant digits: 1.23 T. */
export function formatSI(n: number | string | bigint, unit = ""): string {
  let v = typeof n === "number" ? n : Number(n);
  if (!Number.isFinite(v)) return "?";
  let i = 0;
  while (Math.abs(v) >= 1000 && i < si.length - 1) {
    v /= 1000;
    i++;
  }
  const s = i === 0 && Number.isInteger(v) ? String(v) : trimZeros(v.toPrecision(3));
  return `${s}${unit || si[i] ? " " : ""}${si[i]}${unit}`;
}

/** formatDuration writes seconds as its two largest units: "3 d 4 h", "5 min 2 s", "0 s". */
export function formatDuration(secs: number | string | bigint): string {
  let s = Number(secs);
  if (!Number.isFinite(s) || s < 0) return "?";
  s = Math.floor(s);
  const parts: [number, string][] = [
    [Math.floor(s / 86400), "d"],
    [Math.floor((s % 86400) / 3600), "h"],
    [Math.floor((s % 3600) / 60), "min"],
    [s % 60, "s"],
  ];
  const first = parts.findIndex(([v]) => v > 0);
  if (first < 0) return "0 s";
  return parts
    .slice(first, first + 2)
    .filter(([v]) => v > 0)
    .map(([v, u]) => `${v} ${u}`)
    .join(" ");
}

/** formatBps writes basis points as a percentage: 250 -> "2.5%". */
export function formatBps(bps: number): string {
  return `${trimZeros((bps / 100).toFixed(2))}%`;
}

/** formatReputation writes a 0..10000 reputation as a percentage with one decimal. */
export function formatReputation(r: number): string {
  return `${(r / 100).toFixed(1)}%`;
}

/** shortKey abbreviates a base58 key or signature for display: "9xQe…VFin". */
export function shortKey(key: string, keep = 4): string {
  return key.length <= keep * 2 + 1 ? key : `${key.slice(0, keep)}…${key.slice(-keep)}`;
}

/** formatTime writes an RFC 3339 time (or unix seconds) in UTC: "2026-12-02 03:37 UTC". */
export function formatTime(t: string | number | null | undefined): string {
  if (t === null || t === undefined || t === "") return "—";
  const d = typeof t === "number" ? new Date(t * 1000) : new Date(t);
  if (Number.isNaN(d.getTime())) return "?";
  return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** formatAgo writes how long before now a time was: "5 min ago". */
export function formatAgo(t: string | null | undefined, now = Date.now()): string {
  if (!t) return "—";
  const d = new Date(t).getTime();
  if (Number.isNaN(d)) return "?";
  const s = Math.max(0, Math.round((now - d) / 1000));
  return s < 5 ? "just now" : `${formatDuration(s)} ago`;
}

/** regionName is an ISO 3166-1 numeric code as the person reads it (the code if unknown). */
const regions: Record<number, string> = {
  0: "any", 36: "Australia", 76: "Brazil", 124: "Canada", 156: "China", 250: "France", 276: "Germany",
  356: "India", 392: "Japan", 410: "South Korea", 528: "Netherlands", 702: "Singapore", 724: "Spain",
  752: "Sweden", 756: "Switzerland", 826: "United Kingdom", 840: "United States",
};
export function regionName(code: number): string {
  return regions[code] ? `${regions[code]} (${code})` : String(code);
}

// JSON that keeps 64-bit integers exact.
//
// Solana clients send request ids and amounts as 64-bit integers (solana-go uses random
// 63-bit ids) and Agave answers lamports and rent epochs (u64::MAX) as bare JSON numbers.
// JSON.parse/JSON.stringify would round them through doubles, so this module parses
// integers outside the safe range as bigint and writes bigint values as bare digits.

export type Json = null | boolean | number | bigint | string | F64 | Json[] | { [k: string]: Json | undefined };

/** A float written the way serde_json writes an f64 (always with a fraction or exponent). */
export class F64 {
  constructor(readonly value: number) {}
}

export class JsonSyntaxError extends Error {}

export function parseJson(text: string): Json {
  let i = 0;
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const fail = (msg: string): never => {
    throw new JsonSyntaxError(`${msg} at position ${i}`);
  };
  const value = (): Json => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: { [k: string]: Json } = {};
      ws();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected string key");
        const k = str();
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        obj[k] = value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr: Json[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith("true", i)) {
      i += 4;
      return true;
    }
    if (text.startsWith("false", i)) {
      i += 5;
      return false;
    }
    if (text.startsWith("null", i)) {
      i += 4;
      return null;
    }
    return num();
  };
  const str = (): string => {
    // Find the closing quote, then let JSON.parse handle escapes.
    const start = i;
    i++;
    while (i < text.length) {
      const c = text[i];
      if (c === "\\") i += 2;
      else if (c === '"') {
        i++;
        return JSON.parse(text.slice(start, i)) as string;
      } else i++;
    }
    return fail("unterminated string");
  };
  const num = (): number | bigint => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail("unexpected token");
    i += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    return Number(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail("trailing characters");
  return v;
}

export function stringifyJson(v: unknown): string {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "bigint":
      return v.toString();
    case "number":
      return Number.isFinite(v) ? String(v) : "null";
    case "boolean":
      return v ? "true" : "false";
    case "string":
      return JSON.stringify(v);
  }
  if (v instanceof F64) {
    if (!Number.isFinite(v.value)) return "null";
    const s = String(v.value);
    return /[.eE]/.test(s) ? s : `${s}.0`;
  }
  if (Array.isArray(v)) return `[${v.map((x) => stringifyJson(x)).join(",")}]`;
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${stringifyJson(x)}`);
  }
  return `{${parts.join(",")}}`;
}

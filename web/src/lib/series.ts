import type { Series } from "../api/client";

/** window is [from, to) in unix seconds: the last `buckets` whole steps up to now. */
export function window(step: "1h" | "1d", buckets: number, nowMs = Date.now()): { from: number; to: number } {
  const s = step === "1h" ? 3600 : 86400;
  const to = Math.ceil(nowMs / 1000 / s) * s;
  return { from: to - buckets * s, to };
}

/**
 * dense puts a series' points on every bucket of its window (the API leaves out empty
 * buckets), in tokens (base units / 10^decimals) for plotting.
 */
export function dense(series: Series, decimals = 0): { x: number[]; y: number[] } {
  const s = series.step === "1d" ? 86400 : 3600;
  const by = new Map(series.points.map((p) => [p.t, p.value]));
  const x: number[] = [];
  const y: number[] = [];
  const scale = 10 ** decimals;
  for (let t = Math.floor(series.from / s) * s; t < series.to; t += s) {
    x.push(t);
    const v = by.get(t);
    y.push(v === undefined ? 0 : Number(BigInt(v)) / scale);
  }
  return { x, y };
}

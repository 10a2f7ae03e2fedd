import type { PriceSeries, Series } from "../api/client";

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

/**
 * priceLines puts each class's average job price on every bucket of the window, in tokens per
 * device-hour; a bucket in which no job hired the class is null (a gap, not a price of 0).
 */
export function priceLines(series: PriceSeries, decimals: number): { x: number[]; lines: { label: string; values: (number | null)[] }[] } {
  const s = series.step === "1d" ? 86400 : 3600;
  const x: number[] = [];
  for (let t = Math.floor(series.from / s) * s; t < series.to; t += s) x.push(t);
  const scale = 10 ** decimals;
  const lines = series.classes.map((c) => {
    const by = new Map(c.points.map((p) => [p.t, p.avg_price]));
    return { label: c.class, values: x.map((t) => (by.has(t) ? Number(BigInt(by.get(t)!)) / scale : null)) };
  });
  return { x, lines };
}

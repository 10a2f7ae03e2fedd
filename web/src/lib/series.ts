import type { PriceSeries, Series } from "../api/client";

/** stepSecs is a series step ("1h" or "1d") in seconds. */
const stepSecs = (step: string) => (step === "1d" ? 86400 : 3600);

/** window is [from, to) in unix seconds: the last `buckets` whole steps up to now. */
export function window(step: "1h" | "1d", buckets: number, nowMs = Date.now()): { from: number; to: number } {
  const s = stepSecs(step);
  const to = Math.ceil(nowMs / 1000 / s) * s;
  return { from: to - buckets * s, to };
}

/**
 * dense puts a series' points on every bucket of its window (the API leaves out empty
 * buckets), in tokens (base units / 10^decimals) for plotting.
 */
export function dense(series: Series, decimals = 0): { x: number[]; y: number[] } {
  const by = new Map(series.points.map((p) => [p.t, p.value]));
  const x = bucketStarts(series);
  const scale = 10 ** decimals;
  return { x, y: x.map((t) => (by.has(t) ? Number(BigInt(by.get(t)!)) / scale : 0)) };
}

/** bucketStarts are the starts of every bucket of a series' window, in unix seconds. */
function bucketStarts({ step, from, to }: { step: string; from: number; to: number }): number[] {
  const s = stepSecs(step);
  const x: number[] = [];
  for (let t = Math.floor(from / s) * s; t < to; t += s) x.push(t);
  return x;
}

/**
 * priceLines puts each class's average job price on every bucket of the window, in tokens per
 * device-hour; a bucket in which no job hired the class is null (a gap, not a price of 0).
 */
export function priceLines(series: PriceSeries, decimals: number): { x: number[]; lines: { label: string; values: (number | null)[] }[] } {
  const x = bucketStarts(series);
  const scale = 10 ** decimals;
  const lines = series.classes.map((c) => {
    const by = new Map(c.points.map((p) => [p.t, p.avg_price]));
    return { label: c.class, values: x.map((t) => (by.has(t) ? Number(BigInt(by.get(t)!)) / scale : null)) };
  });
  return { x, lines };
}

// Typed access to the explorer API. The types are generated from the API's OpenAPI document
// (web/openapi.json, checked against the router by web/web_test.go; `npm run types`).
import type { operations } from "./schema";

type Ok<Op extends keyof operations> = operations[Op]["responses"][200]["content"] extends { "application/json": infer T } ? T : never;

export type Stats = Ok<"stats">;
export type DevicePage = Ok<"listDevices">;
export type Device = DevicePage["items"][number];
export type DeviceDetail = Ok<"getDevice">;
export type ProviderDetail = Ok<"getProvider">;
export type JobPage = Ok<"listJobs">;
export type Job = JobPage["items"][number];
export type JobDetail = Ok<"getJob">;
export type ClusterPage = Ok<"listClusters">;
export type EpochPage = Ok<"listEpochs">;
export type RewardPage = Ok<"listRewards">;
export type Supply = Ok<"supply">;
export type Prices = Ok<"prices">;
export type Economy = Ok<"economy">;
export type Quote = Ok<"quote">;
export type TransactionPage = Ok<"listTransactions">;
export type Series = Ok<"series">;
export type PriceSeries = Ok<"priceSeries">;
export type Oracles = Ok<"oracles">;
export type Event = DeviceDetail["events"][number];
export type SeriesMetric = operations["series"]["parameters"]["path"]["metric"];
export type DeviceQuery = NonNullable<operations["listDevices"]["parameters"]["query"]>;
export type QuoteQuery = operations["quote"]["parameters"]["query"];

/** Problem is the API's RFC 9457 refusal. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  param?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
    message: string,
  ) {
    super(message);
  }
}

/** apiBase is where the API answers: the page's origin unless ?api= or a saved setting says. */
export function apiBase(): string {
  try {
    const q = new URLSearchParams(location.search).get("api");
    if (q) localStorage.setItem("gpunet.api", q);
    return (q ?? localStorage.getItem("gpunet.api") ?? "").replace(/\/$/, "");
  } catch {
    return "";
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

/** url makes an API URL with the set query parameters only. */
export function url(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return `${apiBase()}${path}${s ? "?" + s : ""}`;
}

/** get reads one API answer; a refusal is an ApiError with the problem's detail. */
export async function get<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url(path, query), { signal, headers: { Accept: "application/json" } });
  if (!res.ok) {
    let p: Problem | null = null;
    try {
      p = (await res.json()) as Problem;
    } catch {
      /* not a problem document */
    }
    throw new ApiError(res.status, p, p?.detail ?? p?.title ?? `${res.status} ${res.statusText}`);
  }
  return (await res.json()) as T;
}

const key = encodeURIComponent;

export const api = {
  stats: (s?: AbortSignal) => get<Stats>("/v1/stats", {}, s),
  devices: (q: DeviceQuery, s?: AbortSignal) => get<DevicePage>("/v1/devices", q, s),
  device: (k: string, s?: AbortSignal) => get<DeviceDetail>(`/v1/devices/${key(k)}`, {}, s),
  provider: (owner: string, s?: AbortSignal) => get<ProviderDetail>(`/v1/providers/${key(owner)}`, {}, s),
  jobs: (q: Query, s?: AbortSignal) => get<JobPage>("/v1/jobs", q, s),
  job: (a: string, s?: AbortSignal) => get<JobDetail>(`/v1/jobs/${key(a)}`, {}, s),
  clusters: (q: Query, s?: AbortSignal) => get<ClusterPage>("/v1/clusters", q, s),
  epochs: (q: Query, s?: AbortSignal) => get<EpochPage>("/v1/epochs", q, s),
  rewards: (q: Query, s?: AbortSignal) => get<RewardPage>("/v1/rewards", q, s),
  supply: (s?: AbortSignal) => get<Supply>("/v1/supply", {}, s),
  prices: (s?: AbortSignal) => get<Prices>("/v1/prices", {}, s),
  oracles: (s?: AbortSignal) => get<Oracles>("/v1/oracles", {}, s),
  economy: (s?: AbortSignal) => get<Economy>("/v1/economy", {}, s),
  quote: (q: QuoteQuery, s?: AbortSignal) => get<Quote>("/v1/quote", q as Query, s),
  transactions: (q: Query, s?: AbortSignal) => get<TransactionPage>("/v1/transactions", q, s),
  series: (metric: SeriesMetric, from: number, to: number, step: "1h" | "1d", s?: AbortSignal) =>
    get<Series>(`/v1/series/${metric}`, { from, to, step }, s),
  priceSeries: (token: "iosd" | "io", from: number, to: number, step: "1h" | "1d", s?: AbortSignal) =>
    get<PriceSeries>("/v1/prices/series", { token, from, to, step }, s),
};

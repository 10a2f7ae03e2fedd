import { useState } from "react";
import { address as toAddress, type Address } from "@solana/kit";
import { api, type QuoteQuery } from "../api/client";
import { useApi } from "../api/hooks";
import { Async, Card, DeviceLink, Figure, JobLink, ProviderLink, TxLink } from "../components/ui";
import { formatCount, formatDuration, formatReputation, formatSI, formatToken, IO, IOSD, parseUnits, regionName } from "../lib/format";
import { useWallet } from "../wallet/context";
import { ActionButton, RequireWallet, useNetwork } from "../wallet/Action";
import { send } from "../wallet/send";
import { cancelJob, jobSpecBody, nextJobId, rent, sha256, topUp } from "../wallet/tx";
import { publishSpec, readCluster, relayUrls, type Cluster } from "../wallet/relay";
import { jobKey, openToken } from "../wallet/jobkey";
import { classes } from "./Devices";

function Rent({ me }: { me: string }) {
  const { wallet, account } = useWallet();
  const net = useNetwork();
  const [form, setForm] = useState({ class: "h100", count: "2", hours: "1", region: "", maxPrice: "5", mint: "iosd" });
  const [status, setStatus] = useState<string>();
  const [result, setResult] = useState<{ job: string; sig: string; relay: string }>();
  const [error, setError] = useState<string>();
  const token = form.mint === "io" ? IO : IOSD;
  let maxBase: bigint | undefined;
  let formError = "";
  try {
    maxBase = parseUnits(form.maxPrice, token.decimals);
  } catch (e) {
    formError = `max price: ${(e as Error).message}`;
  }
  const count = Number(form.count);
  const hours = Number(form.hours);
  if (!Number.isInteger(count) || count < 1 || count > 16) formError = "count: 1 to 16 devices";
  if (!Number.isInteger(hours) || hours < 1 || hours > 8784) formError = "hours: 1 to 8784";
  const q: QuoteQuery | undefined = formError
    ? undefined
    : { class: form.class as QuoteQuery["class"], count, hours, max_price: maxBase!.toString(), mint: form.mint as "iosd" | "io", region: form.region ? Number(form.region) : undefined };
  const quote = useApi((s) => (q ? api.quote(q, s) : Promise.reject(new Error(formError))), [JSON.stringify(q), formError], 10000);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const go = async () => {
    const qd = quote.data;
    if (!wallet || !account || !net.data || !qd?.enough || !q) return;
    setError(undefined);
    setResult(undefined);
    try {
      setStatus("preparing");
      const jobs = await api.jobs({ renter: me, limit: 200 });
      const jobId = nextJobId(jobs.items.map((j) => j.job_id));
      const mint = form.mint === "io" ? net.data.ioMint : net.data.iosdMint;
      const devices = qd.devices.map((d) => toAddress(d.address));
      const { escrow } = await import("@gpunet/client");
      const [job] = await escrow.findJobPda({ renter: me as Address, jobId });
      // the job's X25519 key, from the wallet's signature over the job's message: nothing to store
      setStatus("waiting for the wallet to sign the job's key message");
      const key = await jobKey(wallet, account, job);
      const body = jobSpecBody({ job, class: form.class, count, region: q.region, hours, renterKey: key.pub });
      const r = await rent(net.data, me as Address, { jobId, pricePerHour: BigInt(qd.price), hours, devices, mint, requirementsHash: await sha256(body) });
      const sig = await send(wallet, account, r.instructions, setStatus);

      let relay = "";
      const oracles = await relayUrls().catch(() => []);
      if (oracles.length === 0) relay = "No oracle relay known (the indexer names none; add ?oracle=<url>): publish the spec with gpunet deploy so the devices accept.";
      for (const o of oracles) {
        setStatus(`publishing the spec to ${o}`);
        try {
          await publishSpec(wallet, account, o, r.job, body);
          relay += `spec published to ${o}. `;
        } catch (e) {
          relay += `${(e as Error).message}. `;
        }
      }
      setResult({ job: r.job, sig, relay });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setStatus(undefined);
    }
  };

  return (
    <>
      <Card title="What to rent">
        <div className="form">
          <label>
            GPU class
            <select value={form.class} onChange={set("class")} data-testid="rent-class">
              {classes.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
          <label>
            Devices
            <input type="number" min={1} max={16} value={form.count} onChange={set("count")} data-testid="rent-count" />
          </label>
          <label>
            Hours
            <input type="number" min={1} max={8784} value={form.hours} onChange={set("hours")} data-testid="rent-hours" />
          </label>
          <label>
            Region (ISO numeric, empty: any)
            <input type="number" min={0} max={999} value={form.region} onChange={set("region")} />
          </label>
          <label>
            Pay in
            <select value={form.mint} onChange={set("mint")}>
              <option value="iosd">IOSD</option>
              <option value="io">IO</option>
            </select>
          </label>
          <label>
            Max price per device-hour ({token.symbol})
            <input inputMode="decimal" value={form.maxPrice} onChange={set("maxPrice")} data-testid="rent-max" />
          </label>
        </div>
        {formError && <p className="field-error">{formError}</p>}
      </Card>
      <Card title="Matches">
        <Async loaded={quote} what="the scheduler's quote">
          {(qd) => (
            <>
              <div className="figures">
                <Figure label="Considered" value={formatCount(qd.considered)} />
                <Figure label="Matched" value={`${formatCount(qd.matched)} of ${count}`} testid="matched" />
                <Figure label="Price" value={`${formatToken(qd.price, token, 4)}/h`} hint="per device-hour" />
                <Figure label="Deposit" value={qd.cost ? formatToken(qd.cost.deposit, token, 4) : "—"} hint={qd.cost ? `${formatDuration(qd.cost.secs)} × ${count} devices; providers get ${formatToken(qd.cost.payout, token, 4)}` : undefined} testid="deposit" />
              </div>
              <p>{qd.explain}</p>
              {Object.keys(qd.exclusions).length > 0 && (
                <p className="hint">
                  Excluded: {Object.entries(qd.exclusions).map(([k, v]) => `${k} ${v}`).join(", ")}
                </p>
              )}
              <table>
                <thead>
                  <tr>
                    <th scope="col">device</th>
                    <th scope="col">provider</th>
                    <th scope="col">region</th>
                    <th scope="col" className="num">ask</th>
                    <th scope="col" className="num">throughput</th>
                    <th scope="col" className="num">reputation</th>
                    <th scope="col" className="num">group / tier</th>
                  </tr>
                </thead>
                <tbody>
                  {qd.devices.map((d) => (
                    <tr key={d.address}>
                      <td>
                        <DeviceLink k={d.address} />
                      </td>
                      <td>
                        <ProviderLink k={d.provider} />
                      </td>
                      <td>{regionName(d.region)}</td>
                      <td className="num">{d.ask === "0" ? "any" : formatToken(d.ask, token, 4)}</td>
                      <td className="num">{formatSI(d.throughput, "OPS")}</td>
                      <td className="num">{formatReputation(d.reputation)}</td>
                      <td className="num">
                        {d.group} / {d.tier}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p>
                <button type="button" className="primary" disabled={!qd.enough || !!status || !net.data} onClick={go} data-testid="rent">
                  {status ? `Renting: ${status}…` : qd.enough ? `Rent ${count} × ${form.class} for ${formatToken(qd.cost?.deposit ?? "0", token, 4)}` : "Not enough devices match"}
                </button>
              </p>
            </>
          )}
        </Async>
        {error && (
          <p className="error" role="alert" data-testid="rent-error">
            {error}
          </p>
        )}
        {result && (
          <div role="status" data-testid="rent-ok">
            <p className="ok-text">
              Job <JobLink k={result.job} full /> is funded and its devices proposed (<TxLink k={result.sig} />).
            </p>
            <p className="hint" data-testid="relay">{result.relay.trim()}</p>
          </div>
        )}
      </Card>
      {result && <Progress job={result.job} me={me} />}
    </>
  );
}

/** Progress follows the job on the explorer until its cluster is running. */
function Progress({ job, me }: { job: string; me: string }) {
  const net = useNetwork();
  // the renter's jobs list first: the job is fetched once the indexer has it (no 404 meanwhile)
  const j = useApi(
    async (s) => {
      const renter = await api.jobs({ renter: me, limit: 10 }, s);
      return renter.items.some((x) => x.address === job) ? api.job(job, s) : null;
    },
    [job],
    3000,
  );
  return (
    <Card title="Progress">
      <Async loaded={j} what="the job">
        {(jd) =>
          jd === null ? (
            <p aria-busy="true">Waiting for the indexer to see the job…</p>
          ) : (
            <>
              <p data-testid="job-state">
                State: <strong>{jd.state}</strong>; {jd.slots.filter((s) => s.state === "hired").length} of {jd.device_count} devices accepted.
              </p>
              <ul>
                {jd.slots.map((s) => (
                  <li key={s.slot_index}>
                    slot {s.slot_index}: {s.device ? <DeviceLink k={s.device} /> : "empty"} {s.state}, verified {formatDuration(s.verified_secs)}, paid {formatToken(s.paid, jd.token === "io" ? IO : IOSD, 4)}
                  </li>
                ))}
              </ul>
              <p>
                Paid so far: {formatToken(jd.paid_out, jd.token === "io" ? IO : IOSD, 4)} of {formatToken(jd.deposited, jd.token === "io" ? IO : IOSD, 4)} deposited; refunded {formatToken(jd.refunded, jd.token === "io" ? IO : IOSD, 4)}.
              </p>
              {["open", "assigned", "running"].includes(jd.state) && (
                <div className="form">
                  <ActionButton label="Top up 1 hour" testid="topup" net={net.data} build={(_n, me) => topUp(me as Address, toAddress(job), toAddress(jd.mint), 3600)} onDone={j.reload} />
                  <ActionButton
                    label="Cancel job"
                    testid="cancel"
                    net={net.data}
                    build={(n, me) => cancelJob(n, me as Address, toAddress(job), toAddress(jd.mint), jd.slots.filter((s) => s.state === "hired" && s.device).map((s) => toAddress(s.device!)))}
                    onDone={j.reload}
                  />
                </div>
              )}
              {jd.state === "running" && <ClusterInfo job={jd.address} />}
            </>
          )
        }
      </Async>
    </Card>
  );
}

/** ClusterInfo shows the running job's Ray cluster from the oracles' relay and opens its token with the job's key. */
function ClusterInfo({ job }: { job: string }) {
  const { wallet, account } = useWallet();
  const info = useApi(
    async (s) => {
      const oracles = await relayUrls(s);
      for (const o of oracles) {
        const c = await readCluster(o, job).catch(() => undefined);
        if (c) return { oracles, c };
      }
      return { oracles, c: null };
    },
    [job],
    10000,
  );
  const [token, setToken] = useState<string>();
  const [error, setError] = useState<string>();
  return (
    <Async loaded={info} what="the cluster's announcement">
      {({ oracles, c }: { oracles: string[]; c: Cluster | null }) =>
        oracles.length === 0 ? (
          <p className="hint">No oracle relay known (the indexer names none; add ?oracle=&lt;url&gt;) to see the cluster's address and open its token.</p>
        ) : !c ? (
          <p className="hint">The head has not announced the cluster yet.</p>
        ) : (
          <div>
            <dl className="kv">
              <dt>Ray address</dt>
              <dd className="mono">{c.rayAddress}</dd>
              <dt>Dashboard</dt>
              <dd>
                <a href={c.dashboard} rel="noreferrer" target="_blank">
                  {c.dashboard}
                </a>
              </dd>
              <dt>Token</dt>
              <dd>
                {token ? (
                  <code className="break">{token}</code>
                ) : (
                  <button
                    type="button"
                    disabled={!c.sealedForRenter || !wallet || !account}
                    onClick={async () => {
                      try {
                        const k = await jobKey(wallet!, account!, toAddress(job));
                        setToken(openToken(k.priv, c.sealedForRenter!, toAddress(job)));
                      } catch (e) {
                        setError(e instanceof Error ? e.message : String(e));
                      }
                    }}
                  >
                    Open the token with the job's key
                  </button>
                )}
              </dd>
            </dl>
            {error && <p className="error">{error}</p>}
            <p className="hint">
              Submit: RAY_AUTH_TOKEN=&lt;token&gt; ray job submit --address {c.rayAddress} -- python job.py
            </p>
          </div>
        )
      }
    </Async>
  );
}

export default function Cloud() {
  return (
    <>
      <h1>Cloud console</h1>
      <RequireWallet what="rent GPUs">{(me) => <Rent me={me} />}</RequireWallet>
    </>
  );
}

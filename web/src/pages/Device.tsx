import { Fragment, useMemo } from "react";
import { useParams } from "react-router";
import { api, type Event } from "../api/client";
import { useApi } from "../api/hooks";
import { Chart } from "../components/Chart";
import { Async, Card, Figure, JobLink, ProviderLink, Status, TxLink } from "../components/ui";
import { formatAgo, formatCount, formatDuration, formatReputation, formatSI, formatTime, formatToken, IO, IOSD, regionName, tokenOf } from "../lib/format";

/** proofsPerHour buckets a device's ProofCounted events by hour: its proven uptime over time. */
export function proofsPerHour(events: Event[]): { x: number[]; y: number[] } {
  const ts = events.filter((e) => e.name === "ProofCounted" && e.block_time).map((e) => Math.floor(new Date(e.block_time!).getTime() / 3600000) * 3600);
  if (ts.length === 0) return { x: [], y: [] };
  const lo = Math.min(...ts);
  const hi = Math.max(...ts);
  const x: number[] = [];
  const y: number[] = [];
  for (let t = lo; t <= hi; t += 3600) {
    x.push(t);
    y.push(ts.filter((v) => v === t).length);
  }
  return { x, y };
}

export function EventTable({ events }: { events: Event[] }) {
  return (
    <div className="scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">event</th>
            <th scope="col">program</th>
            <th scope="col">transaction</th>
            <th scope="col" className="num">slot</th>
            <th scope="col">when</th>
            <th scope="col">data</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={`${e.signature}:${e.position}`}>
              <td>{e.name}</td>
              <td>{e.program}</td>
              <td>
                <TxLink k={e.signature} />
              </td>
              <td className="num">{formatCount(e.slot)}</td>
              <td title={formatTime(e.block_time)}>{formatAgo(e.block_time)}</td>
              <td>
                <details>
                  <summary>fields</summary>
                  <pre>{JSON.stringify(e.data, null, 1)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.length === 0 && <p className="hint">None yet.</p>}
    </div>
  );
}

export function Device() {
  const { key = "" } = useParams();
  const loaded = useApi((s) => api.device(key, s), [key], 15000);
  return (
    <Async loaded={loaded} what="the device">
      {(d) => <DeviceView d={d} />}
    </Async>
  );
}

function DeviceView({ d }: { d: Awaited<ReturnType<typeof api.device>> }) {
  const uptime = useMemo(() => proofsPerHour(d.events), [d.events]);
  const proofs = d.events.filter((e) => e.name.startsWith("Proof"));
  const slashes = d.events.filter((e) => e.name.includes("Slash"));
  const other = d.events.filter((e) => !e.name.startsWith("Proof") && !e.name.includes("Slash"));
  return (
    <>
      <h1>
        Device <span className="mono break">{d.address}</span>
      </h1>
      <p>
        <Status s={d.status} /> {d.gpu_count}× {d.class}, {d.vram_gib} GiB, {regionName(d.region)}; key <span className="mono break">{d.device_key}</span>; provider <ProviderLink k={d.owner} />
        {d.current_job && (
          <>
            ; hired by job <JobLink k={d.current_job} />
          </>
        )}
      </p>
      <Card title={d.hireable ? "Hireable" : d.hireable === false ? "Not hireable" : "Hireability unknown (registry config not indexed)"}>
        {d.reasons.length === 0 ? (
          <p data-testid="reasons">Nothing stops this device from being hired.</p>
        ) : (
          <ol data-testid="reasons">
            {d.reasons.map((r) => (
              <li key={r.code}>
                <strong>{r.name}</strong> ({r.code}): {r.message}
              </li>
            ))}
          </ol>
        )}
      </Card>
      <div className="figures">
        <Figure label="Stake" value={formatToken(d.stake, IO, 2)} testid="stake" />
        <Figure label="Reputation" value={formatReputation(d.reputation)} />
        <Figure label="Attested throughput" value={formatSI(d.benchmark_score, "OPS")} />
        <Figure label="Proven uptime" value={formatDuration(d.proven_uptime_secs)} />
        <Figure label="Challenges" value={`${d.challenges_passed} passed / ${d.challenges_failed} failed`} />
        <Figure label="Asks" value={`${d.ask_iosd === "0" ? "any" : formatToken(d.ask_iosd, IOSD, 2)} · ${d.ask_io === "0" ? "no IO" : formatToken(d.ask_io, IO, 2)}`} hint="per hour" />
      </div>
      <div className="grid2">
        <Card title="Earnings vs slashed">
          <dl className="kv">
            <dt>Rewards claimed</dt>
            <dd data-testid="rewards-claimed">{formatToken(d.earnings.rewards_claimed, IO, 4)}</dd>
            {Object.entries(d.earnings.paid).map(([t, v]) => (
              <Fragment key={t}>
                <dt>Paid by jobs ({t.toUpperCase()})</dt>
                <dd>{formatToken(v, tokenOf(t), 4)}</dd>
              </Fragment>
            ))}
            <dt>Slashed</dt>
            <dd data-testid="slashed">{formatToken(d.earnings.slashed, IO, 4)}</dd>
            <dt>Slashes reversed on appeal</dt>
            <dd>{formatToken(d.earnings.slash_reversed, IO, 4)}</dd>
            <dt>Slashes pending</dt>
            <dd>{formatCount(d.pending_slashes)}</dd>
            <dt>Proofs counted / oracle votes</dt>
            <dd>
              {formatCount(d.earnings.proofs_counted)} / {formatCount(d.earnings.votes)}
            </dd>
          </dl>
        </Card>
        <Card title="Uptime: proofs counted per hour">
          {uptime.x.length > 0 ? <Chart label="proofs counted per hour" x={uptime.x} lines={[{ label: "proofs counted", values: uptime.y }]} bars /> : <p className="hint">No proof counted among the latest events.</p>}
        </Card>
      </div>
      {d.oracles.length > 0 && (
        <Card title="The oracles' live view">
          <ul>
            {d.oracles.map((o) => (
              <li key={o.url}>
                {o.url} {o.signer && <>(oracle {o.signer})</>}: {o.error ? <span className="error-text">{o.error}</span> : <code>{JSON.stringify(o.view)}</code>}
              </li>
            ))}
          </ul>
        </Card>
      )}
      <Card title="Jobs">
        <table>
          <thead>
            <tr>
              <th scope="col">job</th>
              <th scope="col">state</th>
              <th scope="col">slot</th>
              <th scope="col">joined</th>
              <th scope="col">left</th>
              <th scope="col" className="num">paid time</th>
            </tr>
          </thead>
          <tbody>
            {d.jobs.map((j) => (
              <tr key={`${j.job}:${j.slot_index}`}>
                <td>
                  <JobLink k={j.job} />
                </td>
                <td>
                  <Status s={j.state} />
                </td>
                <td>
                  #{j.slot_index} {j.slot_state}
                </td>
                <td>{formatTime(j.joined_at)}</td>
                <td>{formatTime(j.left_at)}</td>
                <td className="num">{formatDuration(j.paid_secs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {d.jobs.length === 0 && <p className="hint">No jobs yet.</p>}
      </Card>
      <Card title="Proofs and challenge results">
        <EventTable events={proofs} />
      </Card>
      <Card title="Slashes">
        <EventTable events={slashes} />
      </Card>
      <Card title="Other events">
        <EventTable events={other} />
      </Card>
    </>
  );
}

import { useMemo } from "react";
import { api, type SeriesMetric } from "../api/client";
import { useApi } from "../api/hooks";
import { Chart } from "../components/Chart";
import { Async, Card, Figure, TransactionsTable } from "../components/ui";
import { formatCount, formatSI, formatTime, formatToken, formatUnits, IO, IOSD } from "../lib/format";
import { dense, priceLines, window } from "../lib/series";

function SeriesChart({ metrics, step, buckets, decimals, label, bars }: { metrics: { m: SeriesMetric; label: string }[]; step: "1h" | "1d"; buckets: number; decimals: number; label: string; bars?: boolean }) {
  const w = useMemo(() => window(step, buckets), [step, buckets]);
  const loaded = useApi((s) => Promise.all(metrics.map((m) => api.series(m.m, w.from, w.to, step, s))), [w.from, step, metrics.map((m) => m.m).join()]);
  return (
    <Async loaded={loaded} what={label}>
      {(all) => {
        const d = all.map((s) => dense(s, decimals));
        return <Chart label={label} x={d[0].x} bars={bars} lines={metrics.map((m, i) => ({ label: m.label, values: d[i].y }))} format={(v) => formatSI(v)} />;
      }}
    </Async>
  );
}

/**
 * PriceChart is the market price over time: what the jobs created in each hour paid per
 * device-hour, one line per class, with each class's latest price written out below.
 */
function PriceChart({ hours }: { hours: number }) {
  const w = useMemo(() => window("1h", hours), [hours]);
  const loaded = useApi((s) => api.priceSeries("iosd", w.from, w.to, "1h", s), [w.from]);
  const label = "average job price per device-hour by GPU class (IOSD)";
  return (
    <Async loaded={loaded} what={label}>
      {(ps) => {
        if (ps.classes.length === 0) return <p className="hint">No job paid in IOSD in the last {hours} hours.</p>;
        const { x, lines } = priceLines(ps, IOSD.decimals);
        return (
          <>
            <Chart label={label} x={x} lines={lines.map((l) => ({ ...l, spanGaps: true }))} format={(v) => v.toFixed(2)} />
            <ul className="hint">
              {ps.classes.map((c) => {
                const last = c.points[c.points.length - 1];
                return (
                  <li key={c.class}>
                    {c.class}: <span data-testid={`price-latest-${c.class}`}>{formatToken(last.avg_price, IOSD, 2)}/h</span> ({formatCount(last.jobs)} {last.jobs === 1 ? "job" : "jobs"}, hour of {formatTime(last.t)})
                  </li>
                );
              })}
            </ul>
          </>
        );
      }}
    </Async>
  );
}

const ioFlows: { m: SeriesMetric; label: string }[] = [
  { m: "emission", label: "IO emitted" },
  { m: "io_burned", label: "IO burned for IOSD" },
  { m: "io_redeemed", label: "IO redeemed" },
];
const iosdFlows: { m: SeriesMetric; label: string }[] = [
  { m: "iosd_minted", label: "IOSD minted" },
  { m: "iosd_redeemed", label: "IOSD burned (redeemed)" },
];
const activity: { m: SeriesMetric; label: string }[] = [
  { m: "jobs_created", label: "jobs created" },
  { m: "proofs", label: "proofs" },
  { m: "slashes", label: "slashes" },
];
const spend: { m: SeriesMetric; label: string }[] = [{ m: "settled", label: "paid to providers (base units of the job's token)" }];

export function Overview() {
  const stats = useApi((s) => api.stats(s), [], 15000);
  const txs = useApi((s) => api.transactions({ limit: 10 }, s), [], 15000);
  return (
    <>
      <h1>Network overview</h1>
      <Async loaded={stats} what="the network's figures">
        {(st) => (
          <>
            <div className="figures">
              <Figure label="Verified providers" value={formatCount(st.providers)} testid="providers" />
              <Figure label="Devices active" value={formatCount(st.devices.active ?? 0)} hint={`${formatCount(st.devices.probation ?? 0)} in probation`} testid="devices-active" />
              <Figure label="Devices hired" value={formatCount(st.devices.hired ?? 0)} testid="devices-hired" />
              <Figure label="Attested int8 throughput" value={formatSI(st.throughput, "OPS")} testid="throughput" />
              <Figure label="Clusters open" value={formatCount(st.clusters_open)} testid="clusters" />
              <Figure label="Jobs running" value={formatCount(st.jobs_running)} testid="jobs-running" />
            </div>
            <div className="grid2">
              <Card title="GPUs by class">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">class</th>
                      <th scope="col" className="num">GPUs</th>
                      <th scope="col" className="num">active devices</th>
                      <th scope="col" className="num">lowest ask</th>
                      <th scope="col" className="num">median ask</th>
                      <th scope="col" className="num">7-day avg job price</th>
                    </tr>
                  </thead>
                  <tbody>
                    {st.prices.map((p) => (
                      <tr key={p.class}>
                        <th scope="row">{p.class}</th>
                        <td className="num">{formatCount(st.gpus[p.class] ?? 0)}</td>
                        <td className="num">{formatCount(p.active_devices)}</td>
                        <td className="num" data-testid={`ask-${p.class}`}>{p.min_ask_iosd === "0" ? "—" : formatToken(p.min_ask_iosd, IOSD, 2) + "/h"}</td>
                        <td className="num">{p.median_ask_iosd === "0" ? "any" : formatToken(p.median_ask_iosd, IOSD, 2) + "/h"}</td>
                        <td className="num">{p.recent_jobs === 0 ? "no jobs" : Object.entries(p.recent_avg_price).map(([t, v]) => formatToken(v, t === "io" ? IO : IOSD, 2) + "/h").join(", ")}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <p className="hint">Prices per device-hour: active devices' asks now, and the average of the jobs of the last 7 days.</p>
              </Card>
              <Card title="Supply">
                <dl className="kv">
                  <dt>IO net issued (minted − burned)</dt>
                  <dd data-testid="io-net">{formatToken(st.supply.io_net_issued, IO, 2)}</dd>
                  <dt>IO minted (redemptions, rewards, community)</dt>
                  <dd>{formatToken(st.supply.io_minted, IO, 2)}</dd>
                  <dt>IO emitted (scheduled by the epochs)</dt>
                  <dd data-testid="io-emitted">{formatToken(st.supply.io_emitted, IO, 2)}</dd>
                  <dt>IO burned for IOSD</dt>
                  <dd data-testid="io-burned">{formatToken(st.supply.io_burned, IO, 2)}</dd>
                  <dt>IO slashed and burned</dt>
                  <dd>{formatToken(st.supply.slash_burned, IO, 2)}</dd>
                  <dt>IOSD minted</dt>
                  <dd data-testid="iosd-minted">{formatToken(st.supply.iosd_minted, IOSD, 2)}</dd>
                  <dt>IOSD burned (redeemed, fees)</dt>
                  <dd data-testid="iosd-burned">{formatToken(st.supply.iosd_burned, IOSD, 2)}</dd>
                  <dt>IOSD supply</dt>
                  <dd>{formatToken(st.supply.iosd_supply, IOSD, 2)}</dd>
                  <dt>Emission budget / supply cap</dt>
                  <dd>
                    {formatUnits(st.supply.emission_budget, IO.decimals, 0)} / {formatUnits(st.supply.supply_cap, IO.decimals, 0)} IO
                  </dd>
                </dl>
              </Card>
            </div>
          </>
        )}
      </Async>
      <Card title="Market price per GPU-hour by class (7 days)">
        <PriceChart hours={168} />
      </Card>
      <div className="grid2">
        <Card title="IO emitted, burned and redeemed per day (30 days)">
          <SeriesChart metrics={ioFlows} step="1d" buckets={30} decimals={IO.decimals} label="IO emitted, burned and redeemed per day" />
        </Card>
        <Card title="IOSD minted and burned per day (30 days)">
          <SeriesChart metrics={iosdFlows} step="1d" buckets={30} decimals={IOSD.decimals} label="IOSD minted and burned per day" />
        </Card>
        <Card title="Activity per hour (48 hours)">
          <SeriesChart metrics={activity} step="1h" buckets={48} decimals={0} label="jobs, proofs and slashes per hour" bars />
        </Card>
        <Card title="Paid to providers per day (30 days)">
          <SeriesChart metrics={spend} step="1d" buckets={30} decimals={IOSD.decimals} label="settled per day" bars />
        </Card>
      </div>
      <Card title="Latest transactions">
        <Async loaded={txs} what="the latest transactions">
          {(page) => (
            <TransactionsTable items={page.items} />
          )}
        </Async>
      </Card>
    </>
  );
}

import { useState } from "react";
import { useParams, useSearchParams } from "react-router";
import { api, type Job } from "../api/client";
import { useApi } from "../api/hooks";
import { Async, Card, ClusterLink, DeviceLink, Figure, JobLink, Pager, RenterLink, Status } from "../components/ui";
import { formatCount, formatDuration, formatTime, formatToken, tokenOf } from "../lib/format";
import { EventTable } from "./Device";

const states = ["open", "assigned", "running", "completed", "cancelled", "expired"];

export function JobTable({ items }: { items: Job[] }) {
  return (
    <div className="scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">job</th>
            <th scope="col">state</th>
            <th scope="col">renter</th>
            <th scope="col" className="num">devices</th>
            <th scope="col" className="num">length</th>
            <th scope="col" className="num">price / device-hour</th>
            <th scope="col" className="num">deposited</th>
            <th scope="col" className="num">paid out</th>
            <th scope="col">created</th>
          </tr>
        </thead>
        <tbody>
          {items.map((j) => (
            <tr key={j.address}>
              <td>
                <JobLink k={j.address} />
              </td>
              <td>
                <Status s={j.state} />
              </td>
              <td>
                <RenterLink k={j.renter} />
              </td>
              <td className="num">{j.device_count}</td>
              <td className="num">{formatDuration(j.duration_secs)}</td>
              <td className="num">{formatToken(j.price_per_hour, tokenOf(j.token), 4)}</td>
              <td className="num">{formatToken(j.deposited, tokenOf(j.token), 2)}</td>
              <td className="num">{formatToken(j.paid_out, tokenOf(j.token), 2)}</td>
              <td>{formatTime(j.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {items.length === 0 && <p className="hint">No jobs match.</p>}
    </div>
  );
}

export function Jobs() {
  const [params, setParams] = useSearchParams();
  const [cursors, setCursors] = useState<string[]>([]);
  const q = { renter: params.get("renter"), cluster: params.get("cluster"), state: params.get("state"), limit: 25, cursor: cursors[cursors.length - 1] };
  const loaded = useApi((s) => api.jobs(q, s), [params.toString(), cursors.join()], 15000);
  return (
    <>
      <h1>Jobs</h1>
      <Card>
        <div className="filters">
          <label>
            State
            <select
              value={params.get("state") ?? ""}
              onChange={(e) => {
                const p = new URLSearchParams(params);
                if (e.target.value) p.set("state", e.target.value);
                else p.delete("state");
                setCursors([]);
                setParams(p);
              }}
            >
              <option value="">any</option>
              {states.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          {params.get("renter") && (
            <span>
              renter <RenterLink k={params.get("renter")!} />
            </span>
          )}
          {params.get("cluster") && (
            <span>
              cluster <ClusterLink k={params.get("cluster")!} />
            </span>
          )}
        </div>
        <Async loaded={loaded} what="the jobs">
          {(page) => (
            <>
              <JobTable items={page.items} />
              <Pager cursors={cursors} next={page.next_cursor} onPage={setCursors} />
            </>
          )}
        </Async>
      </Card>
    </>
  );
}

export function JobPage() {
  const { address = "" } = useParams();
  const loaded = useApi((s) => api.job(address, s), [address], 10000);
  return (
    <Async loaded={loaded} what="the job">
      {(j) => {
        const t = tokenOf(j.token);
        return (
          <>
            <h1>
              Job <span className="mono break">{j.address}</span>
            </h1>
            <p>
              <Status s={j.state} /> #{j.job_id} by <RenterLink k={j.renter} />
              {j.cluster && (
                <>
                  {" "}
                  in cluster <ClusterLink k={j.cluster} />
                </>
              )}
              ; created {formatTime(j.created_at)}, started {formatTime(j.started_at)}, ended {formatTime(j.ended_at)}
            </p>
            <div className="figures">
              <Figure label="Devices" value={formatCount(j.device_count)} testid="job-devices" />
              <Figure label="Length" value={formatDuration(j.duration_secs)} />
              <Figure label="Price per device-hour" value={formatToken(j.price_per_hour, t, 4)} />
              <Figure label="Deposited" value={formatToken(j.deposited, t, 4)} testid="job-deposited" />
              <Figure label="Paid out" value={formatToken(j.paid_out, t, 4)} />
              <Figure label="Fees" value={`${formatToken(j.fees_burned, t, 4)} burned`} hint={`${formatToken(j.fees_treasury, t, 4)} to the treasury`} />
              <Figure label="Refunded" value={formatToken(j.refunded, t, 4)} />
            </div>
            <Card title="Slots">
              <table>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">device</th>
                    <th scope="col">state</th>
                    <th scope="col" className="num">verified</th>
                    <th scope="col" className="num">paid time</th>
                    <th scope="col" className="num">paid</th>
                    <th scope="col">joined</th>
                    <th scope="col">left</th>
                  </tr>
                </thead>
                <tbody>
                  {j.slots.map((s) => (
                    <tr key={s.slot_index}>
                      <td>{s.slot_index}</td>
                      <td>{s.device ? <DeviceLink k={s.device} /> : "—"}</td>
                      <td>
                        <Status s={s.state} />
                      </td>
                      <td className="num">{formatDuration(s.verified_secs)}</td>
                      <td className="num">{formatDuration(s.paid_secs)}</td>
                      <td className="num">{formatToken(s.paid, t, 4)}</td>
                      <td>{formatTime(s.joined_at)}</td>
                      <td>{formatTime(s.left_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
            <Card title="Events">
              <EventTable events={j.events} />
            </Card>
          </>
        );
      }}
    </Async>
  );
}

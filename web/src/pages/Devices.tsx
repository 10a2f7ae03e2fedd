import { useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api, type Device, type DeviceQuery } from "../api/client";
import { useApi } from "../api/hooks";
import { Async, Card, DeviceLink, Pager, ProviderLink, Status } from "../components/ui";
import { formatCount, formatDuration, formatReputation, formatSI, formatToken, IO, regionName } from "../lib/format";

export const classes = ["cpu", "rtx4090", "a100-80g", "h100", "h200", "b200"] as const;
export const statuses = ["probation", "active", "hired", "suspended", "deregistered"] as const;
const base58 = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

export function DeviceTable({ items }: { items: Device[] }) {
  return (
    <div className="scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">device</th>
            <th scope="col">status</th>
            <th scope="col">class</th>
            <th scope="col">provider</th>
            <th scope="col">region</th>
            <th scope="col" className="num">reputation</th>
            <th scope="col" className="num">stake</th>
            <th scope="col" className="num">throughput</th>
            <th scope="col" className="num">proven uptime</th>
            <th scope="col" className="num">challenges</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.address}>
              <td>
                <DeviceLink k={d.address} />
              </td>
              <td>
                <Status s={d.status} />
              </td>
              <td>
                {d.gpu_count}× {d.class} ({d.vram_gib} GiB)
              </td>
              <td>
                <ProviderLink k={d.owner} />
              </td>
              <td>{regionName(d.region)}</td>
              <td className="num">{formatReputation(d.reputation)}</td>
              <td className="num">{formatToken(d.stake, IO, 2)}</td>
              <td className="num">{formatSI(d.benchmark_score, "OPS")}</td>
              <td className="num">{formatDuration(d.proven_uptime_secs)}</td>
              <td className="num">
                {formatCount(d.challenges_passed)} passed, {formatCount(d.challenges_failed)} failed
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {items.length === 0 && <p className="hint">No devices match.</p>}
    </div>
  );
}

export function Devices() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const [search, setSearch] = useState("");
  const [cursors, setCursors] = useState<string[]>([]);
  const q: DeviceQuery = {
    class: (params.get("class") || undefined) as DeviceQuery["class"],
    status: (params.get("status") || undefined) as DeviceQuery["status"],
    provider: params.get("provider") || undefined,
    region: params.get("region") ? Number(params.get("region")) : undefined,
    min_reputation: params.get("min_reputation") ? Number(params.get("min_reputation")) * 100 : undefined,
    sort: (params.get("sort") || undefined) as DeviceQuery["sort"],
    limit: 25,
    cursor: cursors[cursors.length - 1],
  };
  const loaded = useApi((s) => api.devices(q, s), [params.toString(), cursors.join()]);
  const set = (k: string, v: string) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    setCursors([]);
    setParams(p);
  };
  const [searchError, setSearchError] = useState("");
  const find = (e: React.FormEvent) => {
    e.preventDefault();
    const k = search.trim();
    if (!base58.test(k)) return setSearchError("Enter a device's key or account (base58, 32 to 44 characters).");
    setSearchError("");
    navigate(`/devices/${k}`);
  };
  return (
    <>
      <h1>Devices</h1>
      <Card>
        <form className="filters" onSubmit={find} role="search">
          <label>
            Device
            <input value={search} onChange={(e) => setSearch(e.target.value)} placeholder="device key or account" aria-describedby="search-error" />
          </label>
          <button type="submit">Find</button>
          <span id="search-error" className="field-error" role="status">
            {searchError}
          </span>
        </form>
        <div className="filters">
          <label>
            Class
            <select value={params.get("class") ?? ""} onChange={(e) => set("class", e.target.value)}>
              <option value="">any</option>
              {classes.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
          <label>
            Status
            <select value={params.get("status") ?? ""} onChange={(e) => set("status", e.target.value)}>
              <option value="">any</option>
              {statuses.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
          <label>
            Region (ISO numeric)
            <input type="number" min={1} max={999} value={params.get("region") ?? ""} onChange={(e) => set("region", e.target.value)} />
          </label>
          <label>
            Min reputation %
            <input type="number" min={0} max={100} value={params.get("min_reputation") ?? ""} onChange={(e) => set("min_reputation", e.target.value)} />
          </label>
          <label>
            Provider
            <input key={params.get("provider") ?? ""} defaultValue={params.get("provider") ?? ""} onBlur={(e) => (base58.test(e.target.value.trim()) || !e.target.value.trim()) && set("provider", e.target.value.trim())} onKeyDown={(e) => e.key === "Enter" && e.currentTarget.blur()} placeholder="owner or provider account" />
          </label>
          <label>
            Sort
            <select value={params.get("sort") ?? "reputation"} onChange={(e) => set("sort", e.target.value)}>
              <option value="reputation">reputation</option>
              <option value="stake">stake</option>
              <option value="registered">newest</option>
              <option value="address">address</option>
            </select>
          </label>
        </div>
      </Card>
      <Card>
        <Async loaded={loaded} what="the devices">
          {(page) => (
            <>
              <DeviceTable items={page.items} />
              <Pager cursors={cursors} next={page.next_cursor} onPage={setCursors} />
            </>
          )}
        </Async>
      </Card>
    </>
  );
}

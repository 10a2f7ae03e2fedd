import { useState } from "react";
import { address as toAddress, type Address } from "@solana/kit";
import { economy, registry } from "@gpunet/client";
import { api, type DeviceDetail } from "../api/client";
import { useApi } from "../api/hooks";
import { Async, Card, DeviceLink, Figure, Status, TxLink } from "../components/ui";
import { formatAgo, formatCount, formatDuration, formatTime, formatToken, formatUnits, IO, IOSD, parseUnits } from "../lib/format";
import { getRpc } from "../lib/net";
import { ActionButton, RequireWallet, useNetwork } from "../wallet/Action";
import { claim, requestUnstake, setAsks, stake, withdrawUnstaked } from "../wallet/tx";
import { useWallet } from "../wallet/context";
import { ALERT_EVENTS, deleteWebhook, listWebhooks, registerWebhook, type Webhook } from "../wallet/alerts";

/** Chain is what the dashboard reads from the chain itself: the registry's timings, tickets, reward records. */
function useRegistryParams() {
  return useApi(async () => {
    const [cfg] = await registry.findConfigPda();
    return (await registry.fetchConfig(getRpc(), cfg)).data.params;
  }, []);
}

interface Check {
  ok: boolean;
  what: string;
  todo: string;
}

/** checklist is a device's eligibility to be hired, item by item, with what to do for each missing one. */
export function checklist(d: DeviceDetail, nowMs = Date.now()): Check[] {
  const reasons = new Set(d.reasons.map((r) => r.name));
  const lastProof = d.events.find((e) => e.name === "ProofCounted");
  const proofAge = lastProof?.block_time ? (nowMs - new Date(lastProof.block_time).getTime()) / 1000 : Infinity;
  return [
    { ok: !reasons.has("StakeBelowMinimum"), what: `Stake ${formatToken(d.stake, IO, 2)} covers the class's minimum`, todo: "Stake more IO on this device (below)." },
    { ok: d.status !== "probation", what: "Probation finished", todo: `Keep the worker running: probation ends after enough proven uptime (${formatDuration(d.proven_uptime_secs)} so far).` },
    { ok: d.status !== "suspended", what: "Not suspended", todo: "A suspended device failed a challenge or was slashed: check the slash records below, fix the worker, appeal within the deadline." },
    { ok: proofAge < 3 * 3600, what: `Heartbeats and proofs: last proof counted ${lastProof ? formatAgo(lastProof.block_time) : "never"}`, todo: "Start the worker (gpunet-worker run) and check it reaches the oracles." },
    { ok: d.challenges_failed === 0 || d.challenges_passed > d.challenges_failed * 3, what: `Challenge record: ${d.challenges_passed} passed, ${d.challenges_failed} failed`, todo: "Failed challenges lower reputation: check the GPU's health (gpunet-worker status)." },
    { ok: !reasons.has("ProgramPaused"), what: "The registry is not paused", todo: "Wait for the registry's admin to unpause." },
  ];
}

function DeviceCard({ key58, me, onChange }: { key58: string; me: string; onChange: () => void }) {
  const d = useApi((s) => api.device(key58, s), [key58], 10000);
  const net = useNetwork();
  const params = useRegistryParams();
  const dev = toAddress(key58);
  const chain = useApi(async () => {
    const [ticket] = await registry.findTicketPda({ device: dev });
    const [rewards] = await economy.findRewardsPda({ device: dev });
    const [t, r] = await Promise.all([registry.fetchMaybeUnstakeTicket(getRpc(), ticket), economy.fetchMaybeRewardRecord(getRpc(), rewards)]);
    return { ticket: t.exists ? t.data : null, rewards: r.exists ? r.data : null };
  }, [key58, d.data?.slot]);
  const [askIosd, setAskIosd] = useState("");
  const [askIo, setAskIo] = useState("");
  const [stakeAmt, setStakeAmt] = useState("");
  const [unstakeAmt, setUnstakeAmt] = useState("");
  const parse = (t: string, dec: number) => {
    try {
      return t.trim() ? parseUnits(t, dec) : undefined;
    } catch {
      return undefined;
    }
  };
  const done = () => {
    d.reload();
    chain.reload();
    onChange();
  };
  return (
    <Card title={<>Device <DeviceLink k={key58} /></>}>
      <Async loaded={d} what="the device">
        {(dv) => {
          const quorum = params.data?.oracleQuorum ?? 1;
          const values = (chain.data?.rewards?.values ?? []).filter((v) => v > 0n).sort((a, b) => (a < b ? 1 : -1));
          const agreed = values.length >= quorum ? values[quorum - 1] : 0n;
          const claimable = chain.data?.rewards ? (agreed > chain.data.rewards.claimed ? agreed - chain.data.rewards.claimed : 0n) : 0n;
          const ticket = chain.data?.ticket;
          const unlock = ticket ? Number(ticket.unlockAt) : 0;
          const slashes = dv.events.filter((e) => e.name === "DeviceSlashed");
          return (
            <>
              <p>
                <Status s={dv.status} /> {dv.gpu_count}× {dv.class} · reputation {(dv.reputation / 100).toFixed(1)}% · {dv.hireable ? <span className="ok-text">hireable</span> : <span className="error-text">not hireable</span>}
              </p>
              <h3>Eligibility</h3>
              <ul className="checklist" data-testid="checklist">
                {checklist(dv).map((c) => (
                  <li key={c.what} className={c.ok ? "yes" : "no"}>
                    {c.what}
                    {!c.ok && <div className="hint">{c.todo}</div>}
                  </li>
                ))}
              </ul>
              <div className="figures">
                <Figure label="Rewards claimed" value={formatToken(chain.data?.rewards?.claimed ?? 0n, IO, 4)} />
                <Figure label="Claimable (quorum's value − claimed)" value={formatToken(claimable, IO, 4)} testid="claimable" />
                <Figure label="Paid by jobs" value={Object.entries(dv.earnings.paid).map(([t, v]) => formatToken(v, t === "io" ? IO : IOSD, 2)).join(", ") || "—"} />
                <Figure label="Slashed" value={formatToken(dv.earnings.slashed, IO, 4)} />
              </div>
              <div className="form">
                <ActionButton label="Claim rewards" testid={`claim-${key58}`} net={net.data} build={(n, payer) => claim(n, payer as Address, dev, toAddress(dv.owner))} onDone={done} />
              </div>
              <h3>Asking price per device-hour</h3>
              <p className="hint">
                Now: {dv.ask_iosd === "0" ? "any IOSD price" : formatToken(dv.ask_iosd, IOSD, 3)}; {dv.ask_io === "0" ? "IO jobs refused" : formatToken(dv.ask_io, IO, 5)}. Steps of 0.001 IOSD and 0.00001 IO; 0 takes any IOSD price and refuses IO.
              </p>
              <div className="form">
                <label>
                  IOSD per hour
                  <input inputMode="decimal" value={askIosd} onChange={(e) => setAskIosd(e.target.value)} placeholder={formatUnits(dv.ask_iosd, IOSD.decimals, 3)} data-testid="ask-iosd" />
                </label>
                <label>
                  IO per hour
                  <input inputMode="decimal" value={askIo} onChange={(e) => setAskIo(e.target.value)} placeholder={formatUnits(dv.ask_io, IO.decimals, 5)} />
                </label>
                <ActionButton
                  label="Set asks"
                  testid={`asks-${key58}`}
                  net={net.data}
                  disabled={parse(askIosd || formatUnits(dv.ask_iosd, 6, 6).replace(/,/g, ""), 6) === undefined}
                  build={(_n, me) => setAsks(me as Address, dev, parse(askIosd || formatUnits(dv.ask_iosd, 6, 6).replace(/,/g, ""), 6)!, parse(askIo || formatUnits(dv.ask_io, 8, 8).replace(/,/g, ""), 8) ?? 0n)}
                  onDone={done}
                />
              </div>
              <h3>Stake</h3>
              <p className="hint">
                Staked {formatToken(dv.stake, IO, 4)}.{" "}
                {params.data && <>Unstaking waits {formatDuration(params.data.unstakeCooldownSecs)}; adding to a ticket restarts its cooldown.</>}{" "}
                {ticket && (
                  <>
                    Ticket: {formatToken(ticket.amount, IO, 4)} unlocks {formatTime(unlock)} ({unlock * 1000 > Date.now() ? `in ${formatDuration(unlock - Date.now() / 1000)}` : "now withdrawable"}).
                  </>
                )}
              </p>
              <div className="form">
                <label>
                  IO to stake
                  <input inputMode="decimal" value={stakeAmt} onChange={(e) => setStakeAmt(e.target.value)} data-testid="stake-amount" />
                </label>
                <ActionButton label="Stake" testid={`stake-${key58}`} net={net.data} disabled={!parse(stakeAmt, 8)} build={(n, me) => stake(n, me as Address, dev, parse(stakeAmt, 8)!)} onDone={done} />
                <label>
                  IO to unstake
                  <input inputMode="decimal" value={unstakeAmt} onChange={(e) => setUnstakeAmt(e.target.value)} data-testid="unstake-amount" />
                </label>
                <ActionButton label="Request unstake" testid={`unstake-${key58}`} net={net.data} disabled={!parse(unstakeAmt, 8)} build={(_n, me) => requestUnstake(me as Address, dev, parse(unstakeAmt, 8)!)} onDone={done} />
                <ActionButton label="Withdraw" net={net.data} disabled={!ticket || unlock * 1000 > Date.now()} build={(n, me) => withdrawUnstaked(n, me as Address, dev)} onDone={done} />
              </div>
              <h3>Slash records</h3>
              {slashes.length === 0 ? (
                <p className="hint">No slashes.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">transaction</th>
                      <th scope="col">when</th>
                      <th scope="col">appeal deadline</th>
                      <th scope="col">details</th>
                    </tr>
                  </thead>
                  <tbody>
                    {slashes.map((s) => {
                      const deadline = s.block_time && params.data ? new Date(s.block_time).getTime() / 1000 + Number(params.data.appealWindowSecs) : undefined;
                      return (
                        <tr key={s.signature + s.position}>
                          <td>
                            <TxLink k={s.signature} />
                          </td>
                          <td>{formatTime(s.block_time)}</td>
                          <td>{deadline ? `${formatTime(deadline)}${deadline * 1000 > Date.now() ? ` (in ${formatDuration(deadline - Date.now() / 1000)})` : " (passed)"}` : "—"}</td>
                          <td>
                            <code>{JSON.stringify(s.data)}</code>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
              <p className="hint">
                {me === dv.owner ? "" : "This wallet is not the device's owner: only claiming works from it."} {formatCount(dv.pending_slashes)} slashes pending.
              </p>
            </>
          );
        }}
      </Async>
    </Card>
  );
}

function MyDevices({ me }: { me: string }) {
  const p = useApi((s) => api.provider(me, s), [me], 15000);
  if (p.error && "status" in p.error && (p.error as { status: number }).status === 404)
    return <p>This wallet ({me}) has no provider account yet. Register one with the worker: gpunet-worker init, then gpunet-worker register.</p>;
  return (
    <Async loaded={p} what="your devices">
      {(prov) => (
        <>
          <div className="figures">
            <Figure label="My devices" value={formatCount(prov.device_count)} testid="my-devices" />
            <Figure label="Offline or unhealthy" value={formatCount((prov.statuses.suspended ?? 0) + (prov.statuses.probation ?? 0))} hint="suspended or in probation" />
            <Figure label="Total stake" value={formatToken(prov.total_stake, IO, 2)} />
          </div>
          {prov.devices.some((d) => d.status === "suspended") && (
            <p className="error" role="alert">
              Some devices are suspended. Webhook alerts for devices going offline, unhealthy or slashed can be registered with the API's alerts (signed by this wallet).
            </p>
          )}
          {prov.devices.map((d) => (
            <DeviceCard key={d.address} key58={d.address} me={me} onChange={p.reload} />
          ))}
        </>
      )}
    </Async>
  );
}

/** Alerts registers, lists and deletes the provider's webhooks, each request signed by its wallet. */
function Alerts() {
  const { wallet, account } = useWallet();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>([...ALERT_EVENTS]);
  const [made, setMade] = useState<Webhook>();
  const [hooks, setHooks] = useState<Webhook[]>();
  const [error, setError] = useState<string>();
  const run = async (f: () => Promise<void>) => {
    setError(undefined);
    try {
      await f();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  if (!wallet || !account) return null;
  return (
    <Card title="Alerts by webhook">
      <p className="hint">The indexer posts to your URL when one of your devices goes offline, turns unhealthy or is slashed, signed with the secret shown once here.</p>
      <div className="form">
        <label>
          Webhook URL
          <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.example/gpunet" data-testid="alert-url" />
        </label>
        <fieldset className="form">
          <legend className="hint">Events</legend>
          {ALERT_EVENTS.map((ev) => (
            <label key={ev} style={{ flexDirection: "row", alignItems: "center" }}>
              <input type="checkbox" checked={events.includes(ev)} onChange={(e) => setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))} /> {ev}
            </label>
          ))}
        </fieldset>
        <button type="button" className="primary" disabled={!url || events.length === 0} data-testid="alert-register" onClick={() => run(async () => setMade(await registerWebhook(wallet, account, url, events)))}>
          Register webhook
        </button>
        <button type="button" onClick={() => run(async () => setHooks(await listWebhooks(wallet, account)))} data-testid="alert-list">
          Show my webhooks
        </button>
      </div>
      {made && (
        <p className="ok-text" role="status" data-testid="alert-secret">
          Webhook {made.id} registered. Its secret (shown once, keep it to verify deliveries): <code className="break">{made.secret}</code>
        </p>
      )}
      {error && (
        <p className="error" role="alert" data-testid="alert-error">
          {error}
        </p>
      )}
      {hooks && (
        <ul data-testid="alert-hooks">
          {hooks.length === 0 && <li>No webhooks.</li>}
          {hooks.map((h) => (
            <li key={h.id}>
              #{h.id} {h.url} ({h.events.join(", ")}), since {formatTime(h.created_at)}{" "}
              <button type="button" onClick={() => run(async () => {
                await deleteWebhook(wallet, account, h.id);
                setHooks(await listWebhooks(wallet, account));
              })}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export default function Dashboard() {
  return (
    <>
      <h1>Provider dashboard</h1>
      <RequireWallet what="see your devices">
        {(me) => (
          <>
            <MyDevices me={me} />
            <Alerts />
          </>
        )}
      </RequireWallet>
    </>
  );
}

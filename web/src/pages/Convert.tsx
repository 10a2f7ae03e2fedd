import { useState } from "react";
import { api } from "../api/client";
import { useApi } from "../api/hooks";
import { Async, Card, Figure } from "../components/ui";
import { formatBps, formatDuration, formatToken, formatUnits, IO, IOSD, parseUnits } from "../lib/format";
import { ActionButton, RequireWallet, useNetwork } from "../wallet/Action";
import { burnIoForIosd, redeemIosdForIo } from "../wallet/tx";

/** price is IOSD base units per IO (whole): the oracles' price as IOSD per IO. */
const perIO = (v: string) => `${formatUnits(v, IOSD.decimals, 4)} IOSD per IO`;

/** iosdForIO mirrors protocol.IOSDForIO: floor(amount × (lo − 2·conf) / 10^8), 0 when the price is too uncertain. */
export function iosdForIO(lo: bigint, conf: bigint, amount: bigint): bigint {
  const p = lo - 2n * conf;
  return p <= 0n ? 0n : (amount * p) / 10n ** BigInt(IO.decimals);
}

export default function Convert() {
  const eco = useApi((s) => api.economy(s), [], 10000);
  const net = useNetwork();
  const [burn, setBurn] = useState("");
  const [redeem, setRedeem] = useState("");
  const amount = (text: string, decimals: number): { v?: bigint; err?: string } => {
    if (!text.trim()) return {};
    try {
      const v = parseUnits(text, decimals);
      return v === 0n ? { err: "more than 0" } : { v };
    } catch (e) {
      return { err: (e as Error).message };
    }
  };
  const b = amount(burn, IO.decimals);
  const r = amount(redeem, IOSD.decimals);
  return (
    <>
      <h1>Convert IO and IOSD</h1>
      <Async loaded={eco} what="the economy">
        {(e) => (
          <div className="figures">
            <Figure label="Usable IO price" value={e.price ? (e.price.lo === e.price.hi ? perIO(e.price.lo) : `${formatUnits(e.price.lo, IOSD.decimals, 4)} – ${perIO(e.price.hi)}`) : "none"} hint={e.price ? undefined : e.price_error} testid="price" />
            <Figure label="Confidence" value={e.price ? `± ${formatUnits(e.price.conf, IOSD.decimals, 4)} IOSD` : "—"} hint={`band ${formatBps(e.price_band_bps)}`} testid="confidence" />
            <Figure label="IOSD mint room" value={formatToken(e.iosd_breaker.room, IOSD, 2)} hint={`of ${formatToken(e.iosd_breaker.limit, IOSD, 0)} per ${formatDuration(e.iosd_breaker.window_secs)}`} testid="iosd-room" />
            <Figure label="IO redeem room" value={formatToken(e.io_breaker.room, IO, 2)} hint={`of ${formatToken(e.io_breaker.limit, IO, 0)} per ${formatDuration(e.io_breaker.window_secs)}`} testid="io-room" />
          </div>
        )}
      </Async>
      <div className="grid2">
        <Card title="Burn IO for IOSD">
          <RequireWallet what="burn IO">
            {() => (
              <div className="form">
                <label>
                  IO to burn
                  <input inputMode="decimal" value={burn} onChange={(e) => setBurn(e.target.value)} aria-invalid={!!b.err} data-testid="burn-amount" />
                </label>
                {b.err && <span className="field-error">{b.err}</span>}
                {b.v && eco.data?.price && <span data-testid="burn-gives">gives about {formatToken(iosdForIO(BigInt(eco.data.price.lo), BigInt(eco.data.price.conf), b.v), IOSD, 6)}</span>}
                <ActionButton label="Burn IO" testid="burn" net={net.data} disabled={!b.v} build={(n, me) => burnIoForIosd(n, me as never, b.v!)} onDone={eco.reload} />
                <p className="hint">You receive IOSD at the usable price's low end; refused (PriceStale, BreakerTripped…) when the oracles disagree or the breaker's room is spent.</p>
              </div>
            )}
          </RequireWallet>
        </Card>
        <Card title="Redeem IOSD for IO">
          <RequireWallet what="redeem IOSD">
            {() => (
              <div className="form">
                <label>
                  IOSD to redeem
                  <input inputMode="decimal" value={redeem} onChange={(e) => setRedeem(e.target.value)} aria-invalid={!!r.err} />
                </label>
                {r.err && <span className="field-error">{r.err}</span>}
                <ActionButton label="Redeem IOSD" net={net.data} disabled={!r.v} build={(n, me) => redeemIosdForIo(n, me as never, r.v!)} onDone={eco.reload} />
              </div>
            )}
          </RequireWallet>
        </Card>
      </div>
      {net.error && <p className="error">Cannot read the economy's Config from the chain: {net.error.message}</p>}
    </>
  );
}

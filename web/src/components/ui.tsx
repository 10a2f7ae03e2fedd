import { type ReactNode } from "react";
import { Link } from "react-router";
import type { Loaded } from "../api/hooks";
import { SLOW_MS } from "../api/hooks";
import type { TransactionPage } from "../api/client";
import { formatAgo, formatCount, formatTime, shortKey } from "../lib/format";

/** Async shows a read's state: loading (with a timeout message), its error, or its data. */
export function Async<T>({ loaded, children, what }: { loaded: Loaded<T>; children: (data: T) => ReactNode; what: string }) {
  if (loaded.error && !loaded.data)
    return (
      <div className="error" role="alert">
        Could not load {what}: {loaded.error.message}{" "}
        <button type="button" onClick={loaded.reload}>
          Retry
        </button>
      </div>
    );
  if (loaded.data === undefined)
    return loaded.slow ? (
      <div className="error" role="alert">
        {what} has not answered after {SLOW_MS / 1000} s: the explorer API may be down or far behind.{" "}
        <button type="button" onClick={loaded.reload}>
          Retry
        </button>
      </div>
    ) : (
      <div className="loading" aria-busy="true">
        Loading {what}…
      </div>
    );
  return <>{children(loaded.data)}</>;
}

export function Card({ title, children, className }: { title?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={"card " + (className ?? "")}>
      {title && <h2>{title}</h2>}
      {children}
    </section>
  );
}

export function Figure({ label, value, hint, testid }: { label: string; value: ReactNode; hint?: ReactNode; testid?: string }) {
  return (
    <div className="figure">
      <div className="figure-label">{label}</div>
      <div className="figure-value" data-testid={testid}>
        {value}
      </div>
      {hint && <div className="figure-hint">{hint}</div>}
    </div>
  );
}

function KeyLink({ to, k, full }: { to: string; k: string; full?: boolean }) {
  return (
    <Link to={to} className="mono" title={k}>
      {full ? k : shortKey(k)}
    </Link>
  );
}

export const DeviceLink = ({ k, full }: { k: string; full?: boolean }) => <KeyLink to={`/devices/${k}`} k={k} full={full} />;
export const ProviderLink = ({ k, full }: { k: string; full?: boolean }) => <KeyLink to={`/providers/${k}`} k={k} full={full} />;
export const JobLink = ({ k, full }: { k: string; full?: boolean }) => <KeyLink to={`/jobs/${k}`} k={k} full={full} />;
export const TxLink = ({ k, full }: { k: string; full?: boolean }) => <KeyLink to={`/tx/${k}`} k={k} full={full} />;
export const RenterLink = ({ k }: { k: string }) => <KeyLink to={`/jobs?renter=${k}`} k={k} />;
export const ClusterLink = ({ k }: { k: string }) => <KeyLink to={`/jobs?cluster=${k}`} k={k} />;
export const PayerLink = ({ k }: { k: string }) => <KeyLink to={`/transactions?fee_payer=${k}`} k={k} />;

export function Status({ s }: { s: string }) {
  return <span className={`badge badge-${s}`}>{s}</span>;
}

/** Pager walks a cursor-paginated list: back through the cursors seen, on by next_cursor. */
export function Pager({ cursors, next, onPage }: { cursors: string[]; next: string | null | undefined; onPage: (c: string[]) => void }) {
  return (
    <nav className="pager" aria-label="pages">
      <button type="button" disabled={cursors.length === 0} onClick={() => onPage(cursors.slice(0, -1))}>
        ← Previous
      </button>
      <span>page {cursors.length + 1}</span>
      <button type="button" disabled={!next} onClick={() => next && onPage([...cursors, next])}>
        Next →
      </button>
    </nav>
  );
}

/** TransactionsTable lists transactions: signature (failed ones badged), instructions, fee payer, slot, age. */
export function TransactionsTable({ items }: { items: TransactionPage["items"] }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">signature</th>
          <th scope="col">instructions</th>
          <th scope="col">fee payer</th>
          <th scope="col" className="num">slot</th>
          <th scope="col">when</th>
        </tr>
      </thead>
      <tbody>
        {items.map((t) => (
          <tr key={t.signature}>
            <td>
              <TxLink k={t.signature} /> {!t.ok && <span className="badge badge-failed">failed</span>}
            </td>
            <td>{t.instructions.join(", ")}</td>
            <td>
              <PayerLink k={t.fee_payer} />
            </td>
            <td className="num">{formatCount(t.slot)}</td>
            <td title={formatTime(t.block_time)}>{formatAgo(t.block_time)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

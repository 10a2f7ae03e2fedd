import { useState } from "react";
import { useSearchParams } from "react-router";
import { api } from "../api/client";
import { useApi } from "../api/hooks";
import { Async, Card, ClusterLink, DeviceLink, Pager, PayerLink, RenterLink, TransactionsTable, TxLink } from "../components/ui";
import { formatCount, formatTime, formatToken, IO } from "../lib/format";

export function Clusters() {
  const [cursors, setCursors] = useState<string[]>([]);
  const loaded = useApi((s) => api.clusters({ limit: 25, cursor: cursors[cursors.length - 1] }, s), [cursors.join()], 15000);
  return (
    <>
      <h1>Clusters</h1>
      <Card>
        <Async loaded={loaded} what="the clusters">
          {(page) => (
            <>
              <table>
                <thead>
                  <tr>
                    <th scope="col">cluster</th>
                    <th scope="col">renter</th>
                    <th scope="col" className="num">id</th>
                    <th scope="col" className="num">open jobs</th>
                    <th scope="col" className="num">jobs</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((c) => (
                    <tr key={c.address}>
                      <td>
                        <ClusterLink k={c.address} />
                      </td>
                      <td>
                        <RenterLink k={c.renter} />
                      </td>
                      <td className="num">{c.cluster_id}</td>
                      <td className="num">{formatCount(c.open_jobs)}</td>
                      <td className="num">{formatCount(c.total_jobs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {page.items.length === 0 && <p className="hint">No clusters yet.</p>}
              <Pager cursors={cursors} next={page.next_cursor} onPage={setCursors} />
            </>
          )}
        </Async>
      </Card>
    </>
  );
}

export function Rewards() {
  const [ec, setEc] = useState<string[]>([]);
  const [rc, setRc] = useState<string[]>([]);
  const epochs = useApi((s) => api.epochs({ limit: 25, cursor: ec[ec.length - 1] }, s), [ec.join()], 15000);
  const rewards = useApi((s) => api.rewards({ limit: 25, cursor: rc[rc.length - 1] }, s), [rc.join()], 15000);
  return (
    <>
      <h1>Rewards</h1>
      <Card title="Emission by epoch">
        <Async loaded={epochs} what="the epochs">
          {(page) => (
            <>
              <table>
                <thead>
                  <tr>
                    <th scope="col" className="num">epoch</th>
                    <th scope="col" className="num">scheduled</th>
                    <th scope="col" className="num">to providers</th>
                    <th scope="col" className="num">to the community</th>
                    <th scope="col" className="num">added back</th>
                    <th scope="col">transaction</th>
                    <th scope="col">when</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((e) => (
                    <tr key={e.epoch}>
                      <td className="num">{e.epoch}</td>
                      <td className="num">{formatToken(e.scheduled, IO, 2)}</td>
                      <td className="num">{formatToken(e.provider, IO, 2)}</td>
                      <td className="num">{formatToken(e.community, IO, 2)}</td>
                      <td className="num">{formatToken(e.added_back, IO, 2)}</td>
                      <td>
                        <TxLink k={e.signature} />
                      </td>
                      <td>{formatTime(e.block_time)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {page.items.length === 0 && <p className="hint">No epoch advanced yet.</p>}
              <Pager cursors={ec} next={page.next_cursor} onPage={setEc} />
            </>
          )}
        </Async>
      </Card>
      <Card title="Rewards claimed">
        <Async loaded={rewards} what="the rewards">
          {(page) => (
            <>
              <table>
                <thead>
                  <tr>
                    <th scope="col">device</th>
                    <th scope="col" className="num">claimed</th>
                    <th scope="col" className="num">cumulative</th>
                    <th scope="col">transaction</th>
                    <th scope="col">when</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((r) => (
                    <tr key={r.signature + r.device}>
                      <td>
                        <DeviceLink k={r.device} />
                      </td>
                      <td className="num">{formatToken(r.amount, IO, 4)}</td>
                      <td className="num">{formatToken(r.cumulative, IO, 4)}</td>
                      <td>
                        <TxLink k={r.signature} />
                      </td>
                      <td>{formatTime(r.block_time)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {page.items.length === 0 && <p className="hint">No rewards claimed yet.</p>}
              <Pager cursors={rc} next={page.next_cursor} onPage={setRc} />
            </>
          )}
        </Async>
      </Card>
    </>
  );
}

export function Transactions() {
  const [params] = useSearchParams();
  const [cursors, setCursors] = useState<string[]>([]);
  const q = { fee_payer: params.get("fee_payer"), program: params.get("program"), limit: 25, cursor: cursors[cursors.length - 1] };
  const loaded = useApi((s) => api.transactions(q, s), [params.toString(), cursors.join()], 15000);
  return (
    <>
      <h1>Transactions</h1>
      {params.get("fee_payer") && (
        <p>
          paid by <PayerLink k={params.get("fee_payer")!} />
        </p>
      )}
      <Card>
        <Async loaded={loaded} what="the transactions">
          {(page) => (
            <>
              <TransactionsTable items={page.items} />
              <Pager cursors={cursors} next={page.next_cursor} onPage={setCursors} />
            </>
          )}
        </Async>
      </Card>
    </>
  );
}

import { useParams } from "react-router";
import { signature } from "@solana/kit";
import { useApi } from "../api/hooks";
import { Async, Card } from "../components/ui";
import { chainErrorOf } from "../wallet/errors";
import { formatCount, formatTime } from "../lib/format";
import { getRpc, rpcUrl } from "../lib/net";

/** Tx shows a transaction as the chain's RPC has it: status, its named error, its logs. */
export function Tx() {
  const { sig = "" } = useParams();
  const loaded = useApi(
    async (s) => {
      const tx = await getRpc().getTransaction(signature(sig), { maxSupportedTransactionVersion: 0, encoding: "json", commitment: "confirmed" }).send({ abortSignal: s });
      if (!tx) throw new Error(`the RPC at ${rpcUrl()} does not know this transaction`);
      return tx;
    },
    [sig],
  );
  return (
    <>
      <h1>
        Transaction <span className="mono break">{sig}</span>
      </h1>
      <Async loaded={loaded} what="the transaction">
        {(tx) => (
          <Card>
            <dl className="kv">
              <dt>Status</dt>
              <dd>{tx.meta?.err ? <span className="error-text">failed: {chainErrorOf(tx.meta.err, tx.meta.logMessages ?? [])}</span> : "succeeded"}</dd>
              <dt>Slot</dt>
              <dd>{formatCount(tx.slot)}</dd>
              <dt>Time</dt>
              <dd>{formatTime(tx.blockTime === null ? null : Number(tx.blockTime))}</dd>
              <dt>Fee</dt>
              <dd>{formatCount(tx.meta?.fee ?? 0n)} lamports</dd>
            </dl>
            <h2>Logs</h2>
            <pre className="logs">{(tx.meta?.logMessages ?? []).join("\n")}</pre>
          </Card>
        )}
      </Async>
    </>
  );
}

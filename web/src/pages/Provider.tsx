import { useParams } from "react-router";
import { api } from "../api/client";
import { useApi } from "../api/hooks";
import { Async, Card, Figure } from "../components/ui";
import { formatCount, formatTime, formatToken, IO } from "../lib/format";
import { DeviceTable } from "./Devices";

export function Provider() {
  const { owner = "" } = useParams();
  const loaded = useApi((s) => api.provider(owner, s), [owner], 15000);
  return (
    <Async loaded={loaded} what="the provider">
      {(p) => (
        <>
          <h1>
            Provider <span className="mono break">{p.owner}</span>
          </h1>
          <p>
            Provider account <span className="mono break">{p.address}</span>, registered {formatTime(p.created_at)}
            {p.metadata_uri && (
              <>
                ; metadata <span className="break">{p.metadata_uri}</span>
              </>
            )}
          </p>
          <div className="figures">
            <Figure label="Devices" value={formatCount(p.device_count)} testid="device-count" />
            <Figure label="GPUs" value={formatCount(p.gpus)} />
            <Figure label="Total stake" value={formatToken(p.total_stake, IO, 2)} testid="total-stake" />
            {Object.entries(p.statuses).map(([s, n]) => (
              <Figure key={s} label={`Devices ${s}`} value={formatCount(n)} />
            ))}
          </div>
          <Card title="Devices">
            <DeviceTable items={p.devices} />
          </Card>
        </>
      )}
    </Async>
  );
}

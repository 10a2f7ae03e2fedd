-- The devices this oracle heard from, with the last sequence it accepted: a replayed or
-- reordered heartbeat is refused, also after a restart.
CREATE TABLE devices (
    device        text PRIMARY KEY,
    last_sequence bigint NOT NULL
);

-- Every accepted heartbeat. credited_until_ms is NULL for one delivered late: kept as
-- telemetry, never credited. Credit is [received_ms, credited_until_ms) on the oracle's clock.
CREATE TABLE heartbeats (
    id                bigserial PRIMARY KEY,
    device            text NOT NULL REFERENCES devices (device),
    sequence          bigint NOT NULL,
    worker_ms         bigint NOT NULL,
    received_ms       bigint NOT NULL,
    credited_until_ms bigint,
    telemetry         jsonb NOT NULL,
    UNIQUE (device, sequence)
);
CREATE INDEX heartbeats_credit ON heartbeats (device, received_ms);

-- What this oracle sent on-chain: votes (one per device, window and base: a window whose base
-- moved takes a new vote), counts and closes. The signed transaction is stored before it is
-- sent, so a restart resends the same one (the chain deduplicates it) instead of a second.
CREATE TABLE actions (
    kind        text NOT NULL CHECK (kind IN ('vote', 'count', 'close')),
    device      text NOT NULL,
    window_id   bigint NOT NULL,
    base        bigint NOT NULL,
    uptime_secs bigint NOT NULL,
    signature   text NOT NULL,
    tx          bytea NOT NULL,
    state       text NOT NULL CHECK (state IN ('pending', 'landed', 'failed')),
    error       text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, device, window_id, base)
);

-- What the indexer copies from the chain. Addresses and signatures are base58 text, token
-- amounts are base units in numeric(20,0) (u64 does not fit bigint), times are the block's.
-- Every row is written in the same database transaction as the cursor that covers it, so a
-- restart resumes exactly after the last transaction stored: no gap, no duplicate.

-- Where each program's stream stands: the newest signature fully stored.
CREATE TABLE ingest_cursors (
    program   text PRIMARY KEY CHECK (program IN ('registry', 'escrow', 'economy')),
    signature text   NOT NULL,
    slot      bigint NOT NULL
);

-- Every transaction that invoked a gpunet program, once (a transaction that invoked two
-- programs is stored by the first stream that sees it).
CREATE TABLE transactions (
    signature    text PRIMARY KEY,
    slot         bigint  NOT NULL,
    block_time   timestamptz,
    fee_payer    text    NOT NULL,
    -- The transaction's error as the RPC reports it; null when it succeeded.
    err          jsonb,
    -- "program.instruction" of each gpunet instruction it ran, outer and inner, in order.
    instructions text[]  NOT NULL
);
CREATE INDEX transactions_slot ON transactions (slot DESC, signature DESC);
CREATE INDEX transactions_fee_payer ON transactions (fee_payer, slot DESC);

-- Every gpunet instruction, outer ones and those other programs invoked (CPI).
CREATE TABLE instructions (
    signature text     NOT NULL REFERENCES transactions ON DELETE CASCADE,
    position  smallint NOT NULL, -- execution order within the transaction
    program   text     NOT NULL,
    name      text     NOT NULL, -- the IDL's instruction name, e.g. register_device
    -- {"<IDL account name>": "<address>"}, extra accounts under "remaining": [...]
    accounts  jsonb    NOT NULL,
    args      jsonb    NOT NULL,
    PRIMARY KEY (signature, position)
);
CREATE INDEX instructions_name ON instructions (program, name);

-- Every Anchor event ("Program data:" log line) of a successful transaction, decoded with the
-- generated clients: each oracle vote and counted value, stake moves, payments, burns...
CREATE TABLE events (
    signature  text     NOT NULL REFERENCES transactions ON DELETE CASCADE,
    position   smallint NOT NULL, -- order among the transaction's events
    slot       bigint   NOT NULL,
    block_time timestamptz,
    program    text     NOT NULL,
    name       text     NOT NULL, -- the IDL's event name, e.g. ProofRecorded
    data       jsonb    NOT NULL, -- the event's fields under the generated clients' JSON names (camelCase; byte arrays as hex, padding dropped)
    device     text GENERATED ALWAYS AS (data ->> 'device') STORED,
    job        text GENERATED ALWAYS AS (data ->> 'job') STORED,
    PRIMARY KEY (signature, position)
);
CREATE INDEX events_name ON events (program, name, slot DESC);
CREATE INDEX events_device ON events (device, slot DESC) WHERE device IS NOT NULL;
CREATE INDEX events_job ON events (job, slot DESC) WHERE job IS NOT NULL;

-- What the indexer could not decode (an unknown discriminator, a newer layout): kept raw,
-- never dropped, so a later version can decode it.
CREATE TABLE undecoded (
    id        bigserial PRIMARY KEY,
    kind      text  NOT NULL CHECK (kind IN ('instruction', 'event', 'account')),
    program   text  NOT NULL,
    signature text,             -- instructions and events
    position  smallint,
    address   text,             -- accounts
    slot      bigint NOT NULL,
    data      bytea NOT NULL,
    reason    text  NOT NULL,
    UNIQUE NULLS NOT DISTINCT (kind, signature, position, address)
);

-- Transactions stored at confirmed commitment that finalization has not confirmed yet, with
-- the accounts they wrote: when the finalized chain drops one (a fork), its rows are deleted
-- (ON DELETE CASCADE) and those accounts read again. Empty when indexing at finalized.
CREATE TABLE unfinalized (
    signature text   PRIMARY KEY REFERENCES transactions ON DELETE CASCADE,
    slot      bigint NOT NULL,
    written   text[] NOT NULL
);
CREATE INDEX unfinalized_slot ON unfinalized (slot);

-- The latest state of every account of the three programs the indexed transactions wrote;
-- a closed account's row is deleted.
CREATE TABLE accounts (
    address text PRIMARY KEY,
    program text   NOT NULL,
    kind    text   NOT NULL, -- the IDL's account name: Device, Job, RewardRecord...
    data    jsonb  NOT NULL, -- fields under the generated clients' JSON names (camelCase; byte arrays as hex, padding dropped)
    raw     bytea  NOT NULL, -- the account's bytes, for exact decoding with the generated clients
    slot    bigint NOT NULL  -- the transaction's slot that last wrote it
);
CREATE INDEX accounts_kind ON accounts (program, kind);

-- Typed copies of the accounts the explorer filters and sorts on (kept with accounts, in the
-- same database transaction).
CREATE TABLE providers (
    address      text PRIMARY KEY, -- the Provider account
    owner        text NOT NULL UNIQUE,
    total_stake  numeric(20, 0) NOT NULL,
    device_count integer NOT NULL,
    metadata_uri text NOT NULL,
    created_at   timestamptz NOT NULL,
    slot         bigint NOT NULL
);

CREATE TABLE devices (
    address         text PRIMARY KEY, -- the Device account
    device_key      text NOT NULL UNIQUE, -- the worker's key
    provider        text NOT NULL,
    owner           text NOT NULL,
    status          smallint NOT NULL, -- 0 probation, 1 active, 2 hired, 3 suspended, 4 deregistered
    hardware_model  integer  NOT NULL,
    gpu_count       integer  NOT NULL,
    vram_gib        integer  NOT NULL,
    region          integer  NOT NULL,
    stake           numeric(20, 0) NOT NULL,
    reputation      integer  NOT NULL, -- 0..10000
    benchmark_score numeric(20, 0) NOT NULL,
    proven_uptime_secs numeric(20, 0) NOT NULL,
    challenges_passed integer NOT NULL,
    challenges_failed integer NOT NULL,
    slash_count     integer  NOT NULL,
    current_job     text, -- null when not hired
    registered_at   timestamptz NOT NULL,
    slot            bigint NOT NULL
);
CREATE INDEX devices_list ON devices (status, hardware_model, region, reputation DESC, address);
CREATE INDEX devices_provider ON devices (provider);
CREATE INDEX devices_owner ON devices (owner);

CREATE TABLE clusters (
    address    text PRIMARY KEY,
    renter     text NOT NULL,
    cluster_id numeric(20, 0) NOT NULL,
    open_jobs  integer NOT NULL,
    total_jobs integer NOT NULL,
    slot       bigint NOT NULL
);
CREATE INDEX clusters_renter ON clusters (renter);

CREATE TABLE jobs (
    address        text PRIMARY KEY,
    renter         text NOT NULL,
    cluster        text, -- null for a job outside a cluster
    mint           text NOT NULL,
    job_id         numeric(20, 0) NOT NULL,
    state          smallint NOT NULL,
    device_count   integer NOT NULL,
    price_per_hour numeric(20, 0) NOT NULL,
    duration_secs  bigint NOT NULL,
    deposited      numeric(20, 0) NOT NULL,
    paid_out       numeric(20, 0) NOT NULL,
    fees_treasury  numeric(20, 0) NOT NULL,
    fees_burned    numeric(20, 0) NOT NULL,
    refunded       numeric(20, 0) NOT NULL,
    created_at     timestamptz NOT NULL,
    started_at     timestamptz,
    ended_at       timestamptz,
    slot           bigint NOT NULL
);
CREATE INDEX jobs_renter ON jobs (renter, created_at DESC);
CREATE INDEX jobs_state ON jobs (state, created_at DESC);

-- The slots of jobs (one row per device position of a job).
CREATE TABLE job_slots (
    job           text NOT NULL REFERENCES jobs ON DELETE CASCADE,
    slot_index    smallint NOT NULL,
    device        text, -- the Device account; null while unassigned
    payout        text,
    state         smallint NOT NULL,
    joined_at     timestamptz,
    left_at       timestamptz,
    verified_secs numeric(20, 0) NOT NULL,
    paid_secs     numeric(20, 0) NOT NULL,
    PRIMARY KEY (job, slot_index)
);
CREATE INDEX job_slots_device ON job_slots (device) WHERE device IS NOT NULL;

-- explorer API
-- /v1/devices sorted without filters (the keyset pages of the default and each sort), and
-- by provider or owner; /v1/jobs and /v1/clusters pages; hourly series over events.
CREATE INDEX devices_by_reputation ON devices (reputation DESC, address DESC);
CREATE INDEX devices_by_stake ON devices (stake DESC, address DESC);
CREATE INDEX devices_by_registered ON devices (registered_at DESC, address DESC);
CREATE INDEX devices_class ON devices (hardware_model, reputation DESC, address DESC);
CREATE INDEX jobs_page ON jobs (created_at DESC, address DESC);
CREATE INDEX events_time ON events (program, name, block_time);

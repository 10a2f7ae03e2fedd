-- The job relay (wire.JobsPath): each job's spec and each device's latest Ray node
-- announcement, as the exact bodies their signers sent with the signatures, so a reader
-- checks them without trusting this oracle. A spec is stored once its hash matched the job's
-- requirements_hash; a node once its slot held the device.
CREATE TABLE job_specs (
    job         text PRIMARY KEY,
    body        bytea NOT NULL,
    signer      text NOT NULL,
    signature   bytea NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One announcement per (job, device): a newer timestamp replaces it, an older one is refused.
CREATE TABLE job_nodes (
    job          text NOT NULL,
    device       text NOT NULL,
    slot         smallint NOT NULL,
    timestamp_ms bigint NOT NULL,
    body         bytea NOT NULL,
    signature    bytea NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job, device)
);

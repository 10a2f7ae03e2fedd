-- Providers' webhooks (indexer/alerts): registrations signed by the owner's wallet, what the
-- detector last saw of each watched device, and every delivery with its idempotency key.

-- A provider's webhook for its devices. secret is the per-webhook HMAC-SHA256 key, returned
-- once at registration.
CREATE TABLE webhooks (
    id         bigserial PRIMARY KEY,
    owner      text        NOT NULL, -- the provider's wallet (base58)
    url        text        NOT NULL,
    events     text[]      NOT NULL, -- device.offline, device.unhealthy, device.slashed
    secret     bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner, url)
);

-- The signatures of the signed requests already taken (register, list, delete): a replay is
-- refused. Rows older than the timestamp window can be deleted.
CREATE TABLE webhook_requests (
    signature text PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now()
);

-- What the detector last saw of a device the oracles were asked about; a change from false to
-- true is an event, numbered by its generation (part of the idempotency key).
CREATE TABLE alert_device_state (
    device         text PRIMARY KEY, -- the Device account
    offline        boolean NOT NULL DEFAULT false,
    unhealthy      boolean NOT NULL DEFAULT false,
    offline_gen    integer NOT NULL DEFAULT 0,
    unhealthy_gen  integer NOT NULL DEFAULT 0
);

-- The newest slot of the events table the slash detector read.
CREATE TABLE alert_cursors (
    name text PRIMARY KEY,
    slot bigint NOT NULL
);

-- One event for one webhook: delivered at least once, retried with exponential backoff until
-- a 2xx or the last attempt. (webhook, key) makes detection idempotent.
CREATE TABLE alert_deliveries (
    id           bigserial PRIMARY KEY,
    webhook      bigint      NOT NULL REFERENCES webhooks ON DELETE CASCADE,
    key          text        NOT NULL, -- the idempotency key the receiver sees
    event        text        NOT NULL,
    body         bytea       NOT NULL, -- exactly the bytes sent and signed
    attempts     integer     NOT NULL DEFAULT 0,
    next_at      timestamptz NOT NULL,
    delivered_at timestamptz,
    failed_at    timestamptz, -- gave up after the last attempt
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (webhook, key)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_at) WHERE delivered_at IS NULL AND failed_at IS NULL;

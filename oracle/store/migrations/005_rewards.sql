-- The rewarder's progress (oracle/rewards): how far it read the economy's and the registry's
-- history, what it read and has not folded yet, and every device's total over the folded
-- epochs. A round writes it in one transaction, so a restart resumes after the cursors and
-- counts every event exactly once. The uint64 values are stored bit for bit in bigint.
CREATE TABLE reward_progress (
    id              boolean PRIMARY KEY DEFAULT true CHECK (id), -- a single row
    economy_cursor  bytea NOT NULL,  -- the last transaction handled (64-byte signature)
    registry_cursor bytea NOT NULL,
    folded          bigint NOT NULL  -- epochs before it are in reward_totals
);

CREATE TABLE reward_totals (
    device bytea PRIMARY KEY,
    total  bigint NOT NULL
);

-- advanced epochs not folded yet: their provider pools
CREATE TABLE reward_pools (
    epoch bigint PRIMARY KEY,
    pool  bigint NOT NULL
);

-- epochs not folded yet: each device's proven uptime and its last reputation
CREATE TABLE reward_proofs (
    epoch      bigint NOT NULL,
    device     bytea NOT NULL,
    uptime     bigint NOT NULL,
    reputation integer NOT NULL,
    PRIMARY KEY (epoch, device)
);

-- the registry's configurations in chain order (initialize_config's, then each ConfigUpdated)
-- with their block times: an epoch is folded under the last one before its end
CREATE TABLE reward_configs (
    seq        integer PRIMARY KEY,
    block_time bigint NOT NULL,
    params     bytea NOT NULL -- Borsh ConfigParams
);

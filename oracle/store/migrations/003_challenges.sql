-- Proof-of-compute challenges this oracle offered (oracle/challenge): at most one per device
-- and period. state moves offered -> rooted -> passed or failed, each step once (a replayed
-- root or proof finds the row past it). finding is a failure's kind, kept as evidence of
-- hardware that is not what it claims (slow: the root came after the class's deadline;
-- wrong: the opened entries or the multiproof did not check; unanswered: no root or proof).
-- reported_window is the window whose landed vote carried the outcome on-chain.
CREATE TABLE challenges (
    id               text PRIMARY KEY,
    device           text NOT NULL,
    period           bigint NOT NULL,
    model            integer NOT NULL,
    n                integer NOT NULL,
    seed             bytea NOT NULL,
    issued_ms        bigint NOT NULL,
    root_deadline_ms bigint NOT NULL,
    open_within_ms   bigint NOT NULL,
    root             bytea,
    root_ms          bigint,
    positions        bytea,
    proof_deadline_ms bigint,
    state            text NOT NULL CHECK (state IN ('offered', 'rooted', 'passed', 'failed')),
    finding          text NOT NULL DEFAULT '' CHECK (finding IN ('', 'slow', 'wrong', 'unanswered')),
    failure          text NOT NULL DEFAULT '',
    elapsed_ms       bigint,
    gops             double precision,
    score            bigint NOT NULL DEFAULT 0,
    decided_ms       bigint,
    reported_window  bigint,
    UNIQUE (device, period)
);
CREATE INDEX challenges_open ON challenges (device) WHERE state IN ('offered', 'rooted');
CREATE INDEX challenges_unreported ON challenges (device, decided_ms) WHERE reported_window IS NULL AND state IN ('passed', 'failed');

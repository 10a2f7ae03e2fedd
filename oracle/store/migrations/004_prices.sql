-- The prices this oracle submitted with the economy's submit_price and what became of each:
-- landed, or failed (refused by the chain, or no answer). The chain keeps only an oracle's
-- latest price with a newer publish time, so a publish time is submitted at most once.
CREATE TABLE price_submissions (
    publish_time bigint PRIMARY KEY,
    price        bigint NOT NULL,
    conf         bigint NOT NULL,
    sources      integer NOT NULL, -- readings combined; 0 for a fixed price
    signature    text NOT NULL,
    state        text NOT NULL CHECK (state IN ('landed', 'failed')),
    error        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);

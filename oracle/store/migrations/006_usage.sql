-- Usage votes (record_usage) are actions too: device is then the job's address and
-- uptime_secs the slots' total. The Ray section of a heartbeat's telemetry is what a usage vote
-- counts: the index finds a job's heartbeats among a device's.
ALTER TABLE actions DROP CONSTRAINT actions_kind_check;
ALTER TABLE actions ADD CONSTRAINT actions_kind_check CHECK (kind IN ('vote', 'count', 'close', 'usage'));
CREATE INDEX heartbeats_job ON heartbeats ((telemetry->'job'->>'job'), device, received_ms)
    WHERE telemetry ? 'job';

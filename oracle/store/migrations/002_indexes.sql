-- What the status endpoint and the prover look up on every request or round, indexed so their
-- cost does not grow with the tables: a device's latest actions, the pending ones (resent after
-- a restart), the devices credited recently.
CREATE INDEX actions_device ON actions (device, updated_at DESC);
CREATE INDEX actions_pending ON actions (updated_at) WHERE state = 'pending';
CREATE INDEX heartbeats_credited ON heartbeats (credited_until_ms);

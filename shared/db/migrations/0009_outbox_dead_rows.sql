-- An outbox row that can never be published (too large for the broker, or refused for good) is
-- marked dead instead of being retried forever in front of every later row; its job fails with
-- the reason (bad input stays local).
ALTER TABLE api.outbox ADD COLUMN dead_at timestamptz, ADD COLUMN last_error text;
DROP INDEX api.outbox_unsent;
CREATE INDEX outbox_unsent ON api.outbox (id) WHERE sent_at IS NULL AND dead_at IS NULL;

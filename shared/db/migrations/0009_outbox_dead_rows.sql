-- Poison isolation for the outbox and a cap on re-publishing (see docs/reliability.md). Writer: api_service.
-- A row that can never be published (too large, refused by the broker for itself) is marked dead
-- with the reason, and its job fails; the relay skips it, so it never blocks the rows after it.
ALTER TABLE api.outbox
    ADD COLUMN attempts   integer NOT NULL DEFAULT 0,
    ADD COLUMN last_error text,
    ADD COLUMN dead_at    timestamptz;
DROP INDEX api.outbox_unsent;
CREATE INDEX outbox_unsent ON api.outbox (id) WHERE sent_at IS NULL AND dead_at IS NULL;
-- Re-publishes of a job's request since it last moved; at STALE_JOB_MAX_REPUBLISHES the job fails.
ALTER TABLE api.export_jobs ADD COLUMN republish_count integer NOT NULL DEFAULT 0;

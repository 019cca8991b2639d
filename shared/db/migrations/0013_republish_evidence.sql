-- Only a re-publish the render planner has consumed counts toward STALE_JOB_MAX_REPUBLISHES (see
-- docs/reliability.md, "Stale-job republish"). Writer: api_service.
-- Where the broker put each sent row (aiokafka's RecordMetadata), and when the sweep saw the render
-- planner's committed offset pass it: a request merely queued behind a backlog has no consumed_at.
ALTER TABLE api.outbox
    ADD COLUMN kafka_partition integer,
    ADD COLUMN kafka_offset    bigint,
    ADD COLUMN consumed_at     timestamptz;
-- "Sent later on the same partition" (offsets went backwards: the broker restarted and lost the log).
CREATE INDEX outbox_partition_sent ON api.outbox (topic, kafka_partition, sent_at) WHERE sent_at IS NOT NULL;
-- The outbox row of a job's latest re-publish, whose consumption the sweep looks for.
ALTER TABLE api.export_jobs ADD COLUMN last_republish_id bigint;
COMMENT ON COLUMN api.export_jobs.republish_count IS
    're-publishes since the job last moved that the render planner consumed while the job was pending';

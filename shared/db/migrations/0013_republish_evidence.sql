-- Only a re-publish the render service took and did not answer counts toward
-- STALE_JOB_MAX_REPUBLISHES (docs/reliability.md, "Stale-job republish"). Writer: api_service.
-- Where the broker put each sent row (aiokafka's RecordMetadata). For a job's latest re-publish,
-- the sweep sets consumed_at once the render planner's committed offset is past it, with the events
-- topic's end offsets read right after (any answer lies below them), and counted_at once the API's
-- projection has committed up to those offsets while the job still had not moved. A request merely
-- queued behind a backlog has no consumed_at; an answer queued behind one has no counted_at.
ALTER TABLE api.outbox
    ADD COLUMN kafka_partition       integer,
    ADD COLUMN kafka_offset          bigint,
    ADD COLUMN consumed_at           timestamptz,
    ADD COLUMN events_end_partitions integer[],
    ADD COLUMN events_end_offsets    bigint[],
    ADD COLUMN counted_at            timestamptz;
-- "Sent later on the same partition" (offsets went backwards: the broker restarted and lost the log).
CREATE INDEX outbox_partition_sent ON api.outbox (topic, kafka_partition, sent_at) WHERE sent_at IS NOT NULL;
-- A job's rows (its copies since it last moved, an unsent one): looked up per stale job each sweep.
CREATE INDEX outbox_key ON api.outbox (key);
-- The outbox row of a job's latest re-publish, the one whose fate the sweep follows.
ALTER TABLE api.export_jobs ADD COLUMN last_republish_id bigint;
COMMENT ON COLUMN api.export_jobs.republish_count IS
    're-publishes since the job last moved that the render service took and left unanswered while the job was pending';

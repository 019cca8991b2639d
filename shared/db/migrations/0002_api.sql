-- API service state: keys, the export-job read model, the transactional outbox. Writer: api_service.
CREATE SCHEMA IF NOT EXISTS api;

-- Keys are stored only as SHA-256 of the whole key; `display_prefix` helps people tell keys apart.
CREATE TABLE api.api_keys (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id       uuid NOT NULL REFERENCES catalog.organizations (id),
    key_sha256            bytea NOT NULL UNIQUE,
    display_prefix        text NOT NULL,
    name                  text NOT NULL DEFAULT '',
    is_active             boolean NOT NULL DEFAULT true,
    expires_at            timestamptz,
    rate_limit_per_minute integer NOT NULL DEFAULT 0,  -- 0 = service default
    rate_limit_per_day    integer NOT NULL DEFAULT 0,  -- 0 = service default
    created_at            timestamptz NOT NULL DEFAULT now(),
    last_used_at          timestamptz
);

-- The read model polling clients see. No foreign key to organizations: a request published straight
-- to Kafka may name an organization we do not know; its job must still be recorded and end failed.
CREATE TABLE api.export_jobs (
    job_id            text PRIMARY KEY,
    organization_id   uuid NOT NULL,
    scope             text NOT NULL,
    export_type       text NOT NULL,
    file_format       text NOT NULL,
    filters           jsonb NOT NULL DEFAULT '{}',
    asset_config      jsonb NOT NULL DEFAULT '{}',
    source            text NOT NULL,
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    total_items       integer NOT NULL DEFAULT 0,
    processed_items   integer NOT NULL DEFAULT 0,
    artifact_key      text,
    output_filename   text,
    file_size_bytes   bigint NOT NULL DEFAULT 0,
    content_type      text,
    sha256            text,
    error             text,
    idempotency_key   text,
    request_hash      text,
    version           integer NOT NULL DEFAULT 0,  -- bumped on every visible change: the ETag
    requested_at      timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    completed_at      timestamptz,
    UNIQUE (organization_id, idempotency_key)
);
CREATE INDEX export_jobs_org_created ON api.export_jobs (organization_id, created_at DESC);

-- Written in the same transaction as the job; the relay publishes rows and then marks them sent.
CREATE TABLE api.outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic       text NOT NULL,
    key         text NOT NULL,
    value       bytea NOT NULL,
    headers     jsonb NOT NULL DEFAULT '[]',
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX outbox_unsent ON api.outbox (id) WHERE sent_at IS NULL;

-- Events that arrived before their job existed (another service's request still on its way);
-- applied as soon as the job appears.
CREATE TABLE api.parked_events (
    event_id    text PRIMARY KEY,
    job_id      text NOT NULL,
    event_type  text NOT NULL,
    data        jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX parked_events_job ON api.parked_events (job_id);

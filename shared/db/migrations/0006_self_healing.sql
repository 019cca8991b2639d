-- Self-healing (see docs/reliability.md).
-- A chunk is rendered under a lease its worker renews while it works; a task for a chunk whose
-- lease is live waits, one whose lease ran out (dead worker) takes over. Writer: render_service.
ALTER TABLE render.chunks ADD COLUMN lease_token text, ADD COLUMN lease_until timestamptz;
-- A failed job's objects are deleted when it fails; if storage was down then, the watchdog retries
-- until this is set.
ALTER TABLE render.jobs ADD COLUMN cleaned_at timestamptz;
-- When the API last re-published the request of a job that stopped moving (lost messages after a
-- broker restart): the render service answers a repeated request idempotently. Writer: api_service.
ALTER TABLE api.export_jobs ADD COLUMN republished_at timestamptz;
CREATE INDEX export_jobs_open ON api.export_jobs (updated_at) WHERE status IN ('pending', 'processing');

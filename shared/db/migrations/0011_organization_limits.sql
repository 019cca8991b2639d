-- Per-organization limits (docs/contract.md#organization-limits). Writer: api_service (labels-admin
-- set-org-limits); readers: the API at submit and the render planner. 0 = the service default
-- (ORG_MAX_ITEMS_PER_JOB, ORG_MAX_OPEN_JOBS, ORG_MAX_OPEN_ITEMS).
ALTER TABLE catalog.organizations
    ADD COLUMN max_items_per_job integer NOT NULL DEFAULT 0 CHECK (max_items_per_job >= 0),
    ADD COLUMN max_open_jobs     integer NOT NULL DEFAULT 0 CHECK (max_open_jobs >= 0),
    ADD COLUMN max_open_items    bigint  NOT NULL DEFAULT 0 CHECK (max_open_items >= 0);
-- The submit-time count of a job's items, until its `started` event brings the exact total: what a
-- pending job weighs against max_open_items. 0 when unknown (never_printed, or published to Kafka).
ALTER TABLE api.export_jobs ADD COLUMN estimated_items integer NOT NULL DEFAULT 0;
-- An organization's open jobs, counted at every submit and every planning under the organization's lock.
CREATE INDEX export_jobs_org_open ON api.export_jobs (organization_id)
    WHERE status IN ('pending', 'processing');
CREATE INDEX jobs_org_open ON render.jobs (organization_id) WHERE status IN ('rendering', 'assembling');

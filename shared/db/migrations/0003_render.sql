-- Render service state: planned jobs, their fixed item snapshots, chunks, print history.
-- Writer: render_service.
CREATE SCHEMA IF NOT EXISTS render;

CREATE TABLE render.jobs (
    job_id           text PRIMARY KEY,
    organization_id  uuid NOT NULL,
    request          jsonb NOT NULL,   -- the validated labels.export.requested data
    status           text NOT NULL
                     CHECK (status IN ('rendering', 'assembling', 'completed', 'failed')),
    total_items      integer NOT NULL,
    chunk_count      integer NOT NULL,
    artifact_key     text,
    output_filename  text,
    file_size_bytes  bigint,
    content_type     text,
    sha256           text,
    error            text,
    planned_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);

-- The snapshot (docs/invariants.md#fixed-snapshot): what each label encodes, fixed when the job is planned.
CREATE TABLE render.job_items (
    job_id     text NOT NULL REFERENCES render.jobs (job_id) ON DELETE CASCADE,
    seq        integer NOT NULL,
    entity_id  uuid NOT NULL,
    gtin       char(14) NOT NULL,
    lot        text NOT NULL,
    expiry     date,
    serial     text,
    PRIMARY KEY (job_id, seq)
);

CREATE TABLE render.chunks (
    job_id       text NOT NULL REFERENCES render.jobs (job_id) ON DELETE CASCADE,
    chunk_index  integer NOT NULL,
    first_seq    integer NOT NULL,
    end_seq      integer NOT NULL,   -- exclusive
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
    part_key     text,
    part_size    bigint,
    rendered_by  text,
    attempts     integer NOT NULL DEFAULT 0,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, chunk_index)
);

-- Written once, when a job completes; backs the `never_printed` filter.
CREATE TABLE render.print_history (
    entity_id        uuid NOT NULL,
    job_id           text NOT NULL,
    organization_id  uuid NOT NULL,
    printed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity_id, job_id)
);

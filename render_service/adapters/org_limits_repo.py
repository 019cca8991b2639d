"""The render service's SQL for per-organization limits: an organization's open jobs in its own
ledger (render.jobs), and a job refused for a limit recorded as failed."""

from __future__ import annotations

import uuid

from labelkit.export_spec import ExportSpec
from shared.db.pool import DbConn
from shared.org_limits import OpenWork


async def open_work(conn: DbConn, *, organization_id: uuid.UUID, job_id: str) -> OpenWork:
    """The organization's planned, unfinished jobs and their items, `job_id` (being planned) excluded."""
    row = await conn.fetchrow(
        """SELECT count(*) AS jobs, coalesce(sum(total_items), 0) AS items FROM render.jobs
            WHERE organization_id = $1 AND status IN ('rendering', 'assembling') AND job_id <> $2""",
        organization_id,
        job_id,
    )
    assert row is not None
    return OpenWork(jobs=int(row["jobs"]), items=int(row["items"]))


async def record_refused(
    conn: DbConn, *, job_id: str, organization_id: uuid.UUID, spec: ExportSpec, error: str
) -> None:
    """The job ends failed with `error` and nothing to clean up: a re-delivered request re-emits
    this outcome (effects once) instead of planning again once the organization's load has changed."""
    await conn.execute(
        """INSERT INTO render.jobs (job_id, organization_id, request, status, total_items, chunk_count,
                                    error, finished_at, cleaned_at)
           VALUES ($1, $2, $3, 'failed', 0, 0, $4, now(), now()) ON CONFLICT (job_id) DO NOTHING""",
        job_id,
        organization_id,
        spec.request_data(),
        error,
    )

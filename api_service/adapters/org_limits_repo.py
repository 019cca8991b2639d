"""The API's SQL for per-organization limits: the overrides labels-admin sets, an organization's open
jobs in the read model, and a job's items counted at submit."""

from __future__ import annotations

import uuid

from labelkit.export_spec import ExportSpec
from shared.db.pool import DbConn
from shared.db.selection import selection_query
from shared.org_limits import OpenWork


async def set_organization_limits(
    conn: DbConn,
    *,
    organization_id: uuid.UUID,
    max_items_per_job: int,
    max_open_jobs: int,
    max_open_items: int,
) -> bool:
    """An organization's own limits (0 = the service default); False when there is no such organization."""
    status = await conn.execute(
        """UPDATE catalog.organizations
              SET max_items_per_job = $2, max_open_jobs = $3, max_open_items = $4
            WHERE id = $1""",
        organization_id,
        max_items_per_job,
        max_open_jobs,
        max_open_items,
    )
    return bool(status.endswith(" 1"))


async def open_work(conn: DbConn, *, organization_id: uuid.UUID) -> OpenWork:
    """The organization's pending and processing jobs and their items: the exact total once the
    job has started, the count made at submit before (0 when unknown)."""
    row = await conn.fetchrow(
        """SELECT count(*) AS jobs,
                  coalesce(sum(CASE WHEN status = 'processing' THEN total_items ELSE estimated_items END), 0)
                  AS items
             FROM api.export_jobs
            WHERE organization_id = $1 AND status IN ('pending', 'processing')""",
        organization_id,
    )
    assert row is not None
    return OpenWork(jobs=int(row["jobs"]), items=int(row["items"]))


async def count_items(
    conn: DbConn, *, spec: ExportSpec, organization_id: uuid.UUID, up_to: int
) -> int | None:
    """The items the job would select now, counted up to `up_to` (beyond it no limit can be met, so
    counting on would only cost). None when the API cannot know: `never_printed` depends on the
    render service's print history, which the API does not read."""
    if spec.filters.never_printed:
        return None
    select, args = selection_query(spec, organization_id, ordered=False)
    count = await conn.fetchval(f"SELECT count(*) FROM ({select} LIMIT ${len(args) + 1}) q", *args, up_to)
    return int(count)

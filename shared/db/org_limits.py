"""The SQL both services run for per-organization limits (shared/org_limits.py has the rule): an
organization's own limits, and the lock that makes counting its open work and adding a job one step."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import asyncpg

from shared.db.pool import DbConn
from shared.org_limits import OpenWork, OrgLimits, check_job_size, check_open_work


async def organization_limits(conn: DbConn, organization_id: uuid.UUID, defaults: OrgLimits) -> OrgLimits:
    """The organization's limits: its overrides (labels-admin set-org-limits) over the defaults."""
    row = await conn.fetchrow(
        "SELECT max_items_per_job, max_open_jobs, max_open_items FROM catalog.organizations WHERE id = $1",
        organization_id,
    )
    if row is None:  # an unknown organization is refused elsewhere; its limits are the defaults
        return defaults
    return defaults.with_overrides(
        max_items_per_job=row["max_items_per_job"],
        max_open_jobs=row["max_open_jobs"],
        max_open_items=row["max_open_items"],
    )


async def lock_organization(conn: asyncpg.Connection, organization_id: uuid.UUID, *, ledger: str) -> None:
    """Serialize, until the caller's transaction ends, everyone who counts this organization's open
    work in `ledger` and then adds to it: two concurrent submits cannot both take the last slot.

    An advisory lock, not a row lock: it blocks nobody else (catalog writes, foreign-key checks).
    Each service counts its own table, so each has its own `ledger` and never waits for the other.
    Call it in its own statement and count in the next: a statement's snapshot is taken when it
    starts (READ COMMITTED), so only a count that starts after the lock sees the last winner's job.
    """
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"org-limits:{ledger}:{organization_id}"
    )


async def admit(
    conn: asyncpg.Connection,
    *,
    organization_id: uuid.UUID,
    limits: OrgLimits,
    items: int | None,
    ledger: str,
    open_work: Callable[[], Awaitable[OpenWork]],
) -> None:
    """Raise OrgLimitExceeded, or return holding the organization's lock until the caller's
    transaction ends, in which the caller then records the job.

    `items`: the job's items (None: unknown yet, only the open jobs are checked). The job's own size
    is checked before the lock, which is taken only for counting `open_work` (the ledger's open jobs
    and items, the new job not included) and recording the job.
    """
    if items is not None:
        check_job_size(limits, items)
    await lock_organization(conn, organization_id, ledger=ledger)
    check_open_work(limits, await open_work(), items or 0)

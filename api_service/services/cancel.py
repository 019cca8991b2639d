"""Cancelling a job: final at once in the read model, then the render service is told to stop."""

from __future__ import annotations

import datetime as dt

import asyncpg

from api_service.adapters import jobs_repo
from api_service.domain.errors import Conflict, NotFound
from api_service.domain.job_status import TERMINAL
from api_service.domain.principal import Principal
from shared import events


async def cancel_export(
    *, pool: asyncpg.Pool, principal: Principal, job_id: str, requested_topic: str, source: str
) -> asyncpg.Record:
    async with pool.acquire() as conn, conn.transaction():
        status = await jobs_repo.lock_job_status(
            conn, organization_id=principal.organization_id, job_id=job_id
        )
        if status is None:
            raise NotFound("export job")
        if status in TERMINAL:
            raise Conflict(
                f"export job is already {status}; only pending or processing jobs can be cancelled"
            )
        await jobs_repo.mark_failed(conn, job_id=job_id, error=events.CANCELLED_ERROR)
        data = events.CancelRequested(
            job_id=job_id, organization_id=principal.organization_id, requested_at=dt.datetime.now(dt.UTC)
        )
        await jobs_repo.add_to_outbox(
            conn, topic=requested_topic, event=events.make_event(data, source=source)
        )
        row = await jobs_repo.get_job(conn, organization_id=principal.organization_id, job_id=job_id)
    assert row is not None
    return row

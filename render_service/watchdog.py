"""Periodic housekeeping that keeps every job moving towards an end (docs/reliability.md).

- A job still live past `render_job_deadline_seconds` after planning fails with that reason.
- A failed job whose objects could not be deleted then (storage down) is cleaned up now.

One replica at a time does this (a PostgreSQL advisory lock), every `interval` seconds. Lost
chunk tasks are re-handed out by the planner when the API re-publishes a job that stopped moving
(api_service/workers/stale_jobs.py), and dead workers' chunks are taken over through their leases.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from render_service.adapters import jobs_repo
from render_service.adapters.object_cleanup import delete_job_objects
from render_service.emitter import EventEmitter
from render_service.outcomes import reemit_outcome
from shared.periodic import every
from shared.s3 import is_transient_s3_error

log = logging.getLogger(__name__)

_LOCK_ID = 0x1ABE1_0D06  # arbitrary, constant: "label watchdog"


class Watchdog:
    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        s3: Any,
        bucket: str,
        emitter: EventEmitter,
        deadline: float,
        interval: float,
    ) -> None:
        self._pool = pool
        self._s3 = s3
        self._bucket = bucket
        self._emitter = emitter
        self._deadline = deadline
        self._interval = interval

    async def run(self) -> None:
        await every(self._interval, self.sweep, name="watchdog")

    async def sweep(self) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            if not await jobs_repo.try_sweep_lock(conn, _LOCK_ID):
                return  # another replica is on it
            for job in await jobs_repo.overdue_jobs(conn, deadline_seconds=self._deadline):
                error = f"did not finish within {self._deadline:.0f} s of planning; gave up"
                if await jobs_repo.fail_job(conn, job_id=job.job_id, error=error):
                    log.warning("job overdue: failed it", extra={"job_id": job.job_id})
            uncleaned = await jobs_repo.failed_uncleaned(conn)
        for job in uncleaned:
            try:
                await delete_job_objects(
                    self._s3,
                    bucket=self._bucket,
                    organization_id=job.organization_id,
                    job_id=job.job_id,
                )
            except Exception as exc:
                if not is_transient_s3_error(exc):
                    raise
                return  # storage still down: next sweep
            await jobs_repo.mark_cleaned(self._pool, job.job_id)
            final = await jobs_repo.get_job(self._pool, job.job_id)
            if final is not None:
                await reemit_outcome(self._emitter, final)

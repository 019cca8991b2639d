"""Re-publishes the request of any job that stopped moving, so no job stays open forever.

A job whose read model has not changed for `stale_after` seconds while pending or processing may
have lost a message: a broker restart with in-memory storage, or a crash between a publish and
its acknowledgement. Its `requested` event is queued again in the outbox (at most once per
`stale_after`, never while an earlier copy is still unsent). The render service answers a repeated
request idempotently: a planned job re-hands out its unfinished chunks (or its assembly), a
finished one re-emits its terminal event. Progress events keep a live job fresh, so a job that is
merely busy is not re-published. One API replica does this at a time (advisory lock).

Re-publishing is capped: a job re-published `max_republishes` times without moving since fails,
saying so, instead of being re-published every `stale_after` forever (a request the render service
can never answer, e.g. one it dead-letters).
"""

from __future__ import annotations

import logging

import asyncpg

from api_service.adapters import jobs_repo
from shared import events
from shared.periodic import every

log = logging.getLogger(__name__)

_LOCK_ID = 0x1ABE1_57A1  # arbitrary, constant: "label stale"


class StaleJobs:
    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        requested_topic: str,
        source: str,
        stale_after: float,
        max_republishes: int,
        batch: int = 100,
    ) -> None:
        self._pool = pool
        self._max_republishes = max_republishes
        self._topic = requested_topic
        self._source = source
        self._stale_after = stale_after
        self._batch = batch

    async def run(self) -> None:
        await every(max(1.0, self._stale_after / 3), self.sweep, name="stale-jobs")

    async def sweep(self) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            if not await jobs_repo.try_sweep_lock(conn, _LOCK_ID):
                return 0
            error = (
                f"stopped moving: its request was re-published {self._max_republishes} times "
                f"({self._stale_after:.0f} s apart) without any progress; gave up"
            )
            for job_id in await jobs_repo.fail_exhausted(
                conn, stale_after=self._stale_after, max_republishes=self._max_republishes, error=error
            ):
                log.warning("failed a job that never moved again", extra={"job_id": job_id})
            rows = await jobs_repo.claim_stale(conn, stale_after=self._stale_after, limit=self._batch)
            for row in rows:
                event = events.export_requested(
                    job_id=row["job_id"],
                    organization_id=row["organization_id"],
                    spec={
                        k: row[k] for k in ("scope", "export_type", "file_format", "filters", "asset_config")
                    },
                    requested_at=row["requested_at"],
                    source=self._source,
                )
                await jobs_repo.add_to_outbox(conn, topic=self._topic, event=event)
                log.info(
                    "re-published a job that stopped moving",
                    extra={"job_id": row["job_id"], "republish_count": row["republish_count"]},
                )
        return len(rows)

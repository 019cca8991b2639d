"""Re-publishes the request of any job that stopped moving, so no job stays open forever.

A job whose read model has not changed for `stale_after` seconds while pending or processing may
have lost a message: a broker restart with in-memory storage, or a crash between a publish and
its acknowledgement. Its `requested` event is queued again in the outbox (at most once per
`stale_after`, never while an earlier copy is still unsent). The render service answers a repeated
request idempotently: a planned job re-hands out its unfinished chunks (or its assembly), a
finished one re-emits its terminal event. Progress events keep a live job fresh, so a job that is
merely busy is not re-published. One API replica does this at a time (advisory lock).

Re-publishing is capped, but only by re-publishes the render service took and still did not
answer: a pending job whose latest re-publish the render planner's group has committed past
(`PlannerOffsets`, compared with the partition and offset the relay kept for the row) without the
job moving since counts one; at `max_republishes` such re-publishes the job fails, saying so,
instead of being re-published every `stale_after` forever (a request the render service can never
answer, e.g. one it dead-letters). A request merely queued behind a backlog is not consumed yet, so
it does not count, however long the backlog lasts (no lost job: waiting is not failing). A job
already `processing` was answered (planned) and never counts: its chunks may wait behind other
jobs' chunks, and the render service's own deadline (RENDER_JOB_DEADLINE_SECONDS) ends it if it
never finishes.
"""

from __future__ import annotations

import logging

import asyncpg

from api_service.adapters import jobs_repo
from api_service.adapters.planner_offsets import PlannerOffsets
from shared import events
from shared.backoff import LogThrottle
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
        planner: PlannerOffsets,
        batch: int = 100,
    ) -> None:
        self._pool = pool
        self._planner = planner
        self._quiet = LogThrottle(interval=60)
        self._max_republishes = max_republishes
        self._topic = requested_topic
        self._source = source
        self._stale_after = stale_after
        self._batch = batch

    async def run(self) -> None:
        await every(max(1.0, self._stale_after / 3), self.sweep, name="stale-jobs")

    async def sweep(self) -> int:
        committed = await self._planner_position()  # before the transaction: Kafka may be slow
        async with self._pool.acquire() as conn, conn.transaction():
            if not await jobs_repo.try_sweep_lock(conn, _LOCK_ID):
                return 0
            for row in await jobs_repo.count_consumed_republishes(
                conn, topic=self._topic, committed=committed
            ):
                log.info(
                    "the render service took a re-published request and the job did not move",
                    extra={"job_id": row["job_id"], "republish_count": row["republish_count"]},
                )
            error = (
                f"stopped moving: its request was re-published {self._max_republishes} times "
                f"({self._stale_after:.0f} s apart) and the render service took each one without any "
                "progress; gave up"
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
                outbox_id = await jobs_repo.add_to_outbox(conn, topic=self._topic, event=event)
                await jobs_repo.note_republish(conn, job_id=row["job_id"], outbox_id=outbox_id)
                log.info(
                    "re-published a job that stopped moving",
                    extra={"job_id": row["job_id"], "republish_count": row["republish_count"]},
                )
        return len(rows)

    async def _planner_position(self) -> dict[int, int]:
        """The planner's committed offsets on the partitions where a re-publish awaits it; none
        (so nothing counts this time) while the broker does not answer."""
        partitions = await jobs_repo.partitions_awaiting_planner(self._pool, topic=self._topic)
        try:
            return await self._planner.committed(self._topic, partitions)
        except Exception as exc:
            if (held := self._quiet.ready()) is not None:
                log.warning(
                    "stale jobs: the render planner's offsets are unknown (%s: %s; %d tries not logged)",
                    type(exc).__name__,
                    exc,
                    held,
                )
            return {}

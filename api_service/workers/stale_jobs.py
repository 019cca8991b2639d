"""Re-publishes the request of any job that stopped moving, so no job stays open forever.

A job whose read model has not changed for `stale_after` seconds while pending or processing may
have lost a message: a broker restart with in-memory storage, or a crash between a publish and
its acknowledgement. Its `requested` event is queued again in the outbox (at most once per
`stale_after`, never while an earlier copy is still unsent). The render service answers a repeated
request idempotently: a planned job re-hands out its unfinished chunks (or its assembly), a
finished one re-emits its terminal event. Progress events keep a live job fresh, so a job that is
merely busy is not re-published. One API replica does this at a time (advisory lock).

Re-publishing is capped, but only by re-publishes the render service took and left unanswered,
so a job fails only when that is known, not for waiting (no lost job). The relay keeps where the
broker put each row; a pending job's latest re-publish is *taken* once the render planner's group
has committed past it, and *unanswered* once the API's projection has consumed the events topic up
to where it ended right after that (any answer lies below) and the job still has not moved
(`KafkaPositions`). At `max_republishes` unanswered re-publishes since it last moved the job fails,
saying so, instead of being re-published every `stale_after` forever (a request the render service
can never answer, e.g. one it dead-letters). A request queued behind a backlog of requests is not
taken, an answer queued behind a backlog of events is not in the read model yet: neither counts,
however long the backlog lasts. A job already `processing` was answered (planned) and never counts:
its chunks may wait behind other jobs' chunks, and the render service's own deadline
(RENDER_JOB_DEADLINE_SECONDS) ends it if it never finishes.

A job whose last copy is provably still on its way (in the requests log ahead of the planner, or its
answer possibly in the events log ahead of the projection) is not re-published again, for at most
`max_republishes × stale_after`, doubling with each copy (`api_service.domain.republish`): copies
would only feed the backlog.
"""

from __future__ import annotations

import logging

import asyncpg

from api_service.adapters import jobs_repo
from api_service.adapters.kafka_positions import KafkaPositions
from api_service.domain.republish import BrokerView, LatestCopy, on_its_way
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
        kafka: KafkaPositions,
        events_topic: str,
        planner_group: str,
        projection_group: str,
        batch: int = 100,
    ) -> None:
        self._pool = pool
        self._kafka = kafka
        self._events_topic = events_topic
        self._planner_group = planner_group
        self._projection_group = projection_group
        self._quiet = LogThrottle(interval=60)
        self._max_republishes = max_republishes
        self._topic = requested_topic
        self._source = source
        self._stale_after = stale_after
        self._batch = batch

    async def run(self) -> None:
        await every(max(1.0, self._stale_after / 3), self.sweep, name="stale-jobs")

    async def sweep(self) -> int:
        view = await self._broker_view()  # before the transaction: Kafka may be slow
        async with self._pool.acquire() as conn, conn.transaction():
            if not await jobs_repo.try_sweep_lock(conn, _LOCK_ID):
                return 0
            await jobs_repo.note_consumed_republishes(
                conn,
                topic=self._topic,
                planner=dict(view.planner or {}),
                events_end=dict(view.events_end or {}),
            )
            if view.projection is not None:
                for row in await jobs_repo.count_unanswered_republishes(
                    conn, topic=self._topic, projection=dict(view.projection)
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
            # A wider window than one batch: jobs whose last copy is still on its way are skipped.
            stale = await jobs_repo.stale_jobs(
                conn, topic=self._topic, stale_after=self._stale_after, limit=self._batch * 10
            )
            hold = self._max_republishes * self._stale_after
            due = [r for r in stale if not on_its_way(_latest_copy(r), view, hold_at_most=hold)]
            due = due[: self._batch]
            marked = await jobs_repo.mark_republished(conn, [r["job_id"] for r in due])
            counts = {m["job_id"]: m["republish_count"] for m in marked}
            for row in due:
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
                    extra={"job_id": row["job_id"], "republish_count": counts[row["job_id"]]},
                )
        return len(due)

    async def _broker_view(self) -> BrokerView:
        """What the broker says about the re-publishes awaiting evidence; what it could not say
        (it does not answer) stays unknown: nothing is marked, counted or held on it this time."""
        planner = requests_end = events_end = projection = None
        partitions, answers_due = await jobs_repo.republishes_awaiting(self._pool, topic=self._topic)
        try:
            if partitions:
                planner = await self._kafka.committed(self._planner_group, self._topic, partitions)
                requests_end = await self._kafka.end_offsets(self._topic)
            if planner or answers_due:  # read after the planner's offsets: its answers lie below
                events_end = await self._kafka.end_offsets(self._events_topic)
                projection = await self._kafka.committed(self._projection_group, self._events_topic)
        except Exception as exc:
            if (held := self._quiet.ready()) is not None:
                log.warning(
                    "stale jobs: Kafka positions unknown (%s: %s; %d tries not logged)",
                    type(exc).__name__,
                    exc,
                    held,
                )
        return BrokerView(
            planner=planner, requests_end=requests_end, events_end=events_end, projection=projection
        )


def _latest_copy(row: asyncpg.Record) -> LatestCopy:
    parts, ends = row["events_end_partitions"], row["events_end_offsets"]
    return LatestCopy(
        partition=row["kafka_partition"],
        offset=row["kafka_offset"],
        age_s=row["copy_age_s"],
        copies=row["copies"],
        later_send_not_above=bool(row["later_send_not_above"]),
        taken=bool(row["taken"]),
        counted=bool(row["counted"]),
        events_end=dict(zip(parts, ends, strict=True)) if parts is not None else None,
    )

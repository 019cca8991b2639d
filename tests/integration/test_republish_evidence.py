"""Which re-publishes count toward STALE_JOB_MAX_REPUBLISHES, against the real database.

A pending job's latest re-publish counts once the render planner's committed offset on its
partition is past the offset the relay kept for it (taken), the API's projection has committed up
to the events topic's end offsets read then (any answer is in the read model), and the job has not
moved since; not while the request is queued, not on another partition, not while the answer may be
queued, not once the job moved or is processing, not twice, and never from a new broker log (a row
of ours sent later on that partition at an offset not above it shows the broker restarted and lost
the old log). Rows use a topic of their own, so a sweep of the session's API never sees them.
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import pytest
from aiokafka.structs import RecordMetadata, TopicPartition

from api_service.adapters import jobs_repo, outbox_repo
from labelkit.ids import new_job_id
from shared import events


@pytest.fixture
def topic() -> str:
    return f"test-evidence-{uuid.uuid4().hex[:8]}"


async def republished_job(db: asyncpg.Pool, topic: str, *, partition: int, offset: int) -> str:
    """A pending job, stale for a minute, whose request was just re-published and sent to
    `partition` at `offset` (through the relay's own SQL)."""
    job_id = new_job_id()
    async with db.acquire() as conn, conn.transaction():
        await conn.execute(
            """INSERT INTO api.export_jobs (job_id, organization_id, scope, export_type, file_format,
                                            source, updated_at, republished_at)
               VALUES ($1, $2, 'serials', 'datamatrix', 'png', 'test', now() - interval '1 minute', now())""",
            job_id,
            uuid.uuid4(),
        )
        await send(conn, topic, job_id, partition=partition, offset=offset, republish=True)
    return job_id


async def send(
    conn: asyncpg.Connection, topic: str, job_id: str, *, partition: int, offset: int, republish: bool
) -> None:
    event = events.export_requested(
        job_id=job_id,
        organization_id=uuid.uuid4(),
        spec={"scope": "serials", "export_type": "datamatrix", "file_format": "png"},
        requested_at=dt.datetime.now(dt.UTC),
        source="test",
    )
    row_id = await jobs_repo.add_to_outbox(conn, topic=topic, event=event)
    if republish:
        await jobs_repo.note_republish(conn, job_id=job_id, outbox_id=row_id)
    tp = TopicPartition(topic, partition)
    await outbox_repo.mark_sent(conn, {row_id: RecordMetadata(topic, partition, tp, offset, -1, 0, 0)})


async def count(
    db: asyncpg.Pool,
    topic: str,
    planner: dict[int, int],
    *,
    events_end: dict[int, int] | None = None,
    projection: dict[int, int] | None = None,
) -> dict[str, int]:
    """One sweep's marking and counting, given what the broker said."""
    events_end = {0: 7, 1: 3} if events_end is None else events_end
    async with db.acquire() as conn, conn.transaction():
        await jobs_repo.note_consumed_republishes(conn, topic=topic, planner=planner, events_end=events_end)
        rows = await jobs_repo.count_unanswered_republishes(
            conn, topic=topic, projection=events_end if projection is None else projection
        )
    return {r["job_id"]: r["republish_count"] for r in rows}


async def test_a_republish_counts_once_taken_and_unanswered(db: asyncpg.Pool, topic: str) -> None:
    job_id = await republished_job(db, topic, partition=1, offset=10)
    assert await jobs_repo.republishes_awaiting(db, topic=topic) == ([1], False)
    assert await count(db, topic, {1: 10}) == {}  # the planner's next record is ours: still queued
    assert await count(db, topic, {0: 99}) == {}  # another partition says nothing about ours
    # Taken, but the projection has not read the events up to where they ended then.
    assert await count(db, topic, {1: 11}, events_end={0: 7, 1: 3}, projection={0: 7, 1: 2}) == {}
    assert await jobs_repo.republishes_awaiting(db, topic=topic) == ([], True)
    assert await count(db, topic, {}, projection={0: 2, 1: 2}) == {}
    assert await count(db, topic, {}, projection={0: 7, 1: 3}) == {job_id: 1}
    assert await count(db, topic, {1: 50}, projection={0: 70, 1: 30}) == {}  # counted once
    assert await jobs_repo.republishes_awaiting(db, topic=topic) == ([], False)


async def test_a_job_that_moved_or_is_processing_does_not_count(db: asyncpg.Pool, topic: str) -> None:
    moved = await republished_job(db, topic, partition=0, offset=3)
    processing = await republished_job(db, topic, partition=0, offset=4)
    answered_late = await republished_job(db, topic, partition=0, offset=5)
    moved_later = "UPDATE api.export_jobs SET updated_at = now() + interval '1 second' WHERE job_id = $1"
    await db.execute(moved_later, moved)
    await db.execute("UPDATE api.export_jobs SET status = 'processing' WHERE job_id = $1", processing)
    # Taken while the projection lags; the answer then reaches the read model: nothing counts.
    assert await count(db, topic, {0: 100}, projection={0: 0, 1: 0}) == {}
    await db.execute(moved_later, answered_late)
    assert await count(db, topic, {}, projection={0: 7, 1: 3}) == {}


async def test_a_broker_restart_voids_the_evidence_of_what_it_lost(db: asyncpg.Pool, topic: str) -> None:
    lost = await republished_job(db, topic, partition=2, offset=40)
    # The broker restarted with memory storage: our next send on that partition starts again at 0.
    async with db.acquire() as conn:
        await send(conn, topic, new_job_id(), partition=2, offset=0, republish=False)
    # The new log's planner passed 40 (other traffic): that is not our lost copy being taken.
    assert await count(db, topic, {2: 41}) == {}
    # A copy sent into the new log counts normally.
    async with db.acquire() as conn:
        await send(conn, topic, lost, partition=2, offset=41, republish=True)
    assert await count(db, topic, {2: 42}) == {lost: 1}

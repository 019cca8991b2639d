"""The export-job read model (api.export_jobs) and the outbox (api.outbox)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from shared import events
from shared.db.pool import DbConn

OUTBOX_CHANNEL = "label_export_outbox"

_JOB_COLUMNS = """job_id, organization_id, scope, export_type, file_format, status, total_items,
    processed_items, artifact_key, output_filename, file_size_bytes, sha256, error, created_at, completed_at,
    idempotency_key, request_hash, asset_config"""


async def insert_job(
    conn: asyncpg.Connection,
    *,
    job_id: str,
    organization_id: uuid.UUID,
    request: dict[str, Any],
    source: str,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
    estimated_items: int = 0,
) -> bool:
    """Create a pending job; False when it already exists (a replayed request). `estimated_items`:
    its items as counted at submit, what it weighs against max_open_items until it starts."""
    status = await conn.execute(
        """INSERT INTO api.export_jobs (job_id, organization_id, scope, export_type, file_format,
                                        filters, asset_config, source, idempotency_key, request_hash,
                                        estimated_items)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (job_id) DO NOTHING""",
        job_id,
        organization_id,
        request["scope"],
        request["export_type"],
        request["file_format"],
        request.get("filters", {}),
        request.get("asset_config", {}),
        source,
        idempotency_key,
        request_hash,
        estimated_items,
    )
    return bool(status.endswith(" 1"))


async def add_to_outbox(conn: asyncpg.Connection, *, topic: str, event: events.CloudEvent) -> int:
    """Queue an event in the caller's transaction; NOTIFY wakes the relay at commit. The row's id."""
    row_id: int = await conn.fetchval(
        "INSERT INTO api.outbox (topic, key, value) VALUES ($1, $2, $3) RETURNING id",
        topic,
        event.subject or "",
        events.encode(event),
    )
    await conn.execute(f"NOTIFY {OUTBOX_CHANNEL}")
    return row_id


async def get_job(conn: DbConn, *, organization_id: uuid.UUID, job_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_JOB_COLUMNS} FROM api.export_jobs WHERE job_id = $1 AND organization_id = $2",
        job_id,
        organization_id,
    )


async def lock_idempotency_key(
    conn: asyncpg.Connection, *, organization_id: uuid.UUID, idempotency_key: str
) -> None:
    """Held to the end of the transaction: concurrent submits with one key run one after another."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{organization_id}:{idempotency_key}"
    )


async def find_by_idempotency_key(
    conn: asyncpg.Connection, *, organization_id: uuid.UUID, idempotency_key: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""SELECT {_JOB_COLUMNS}, created_at > now() - interval '24 hours' AS fresh
              FROM api.export_jobs WHERE organization_id = $1 AND idempotency_key = $2
             FOR UPDATE""",
        organization_id,
        idempotency_key,
    )


async def release_idempotency_key(conn: asyncpg.Connection, *, job_id: str) -> None:
    await conn.execute("UPDATE api.export_jobs SET idempotency_key = NULL WHERE job_id = $1", job_id)


async def lock_job_status(conn: asyncpg.Connection, *, organization_id: uuid.UUID, job_id: str) -> str | None:
    status: str | None = await conn.fetchval(
        "SELECT status FROM api.export_jobs WHERE job_id = $1 AND organization_id = $2 FOR UPDATE",
        job_id,
        organization_id,
    )
    return status


async def mark_failed(conn: asyncpg.Connection, *, job_id: str, error: str) -> None:
    await conn.execute(
        """UPDATE api.export_jobs SET status = 'failed', error = $2, completed_at = now(),
                  version = version + 1, updated_at = now()
            WHERE job_id = $1 AND status IN ('pending', 'processing')""",
        job_id,
        error,
    )


async def try_sweep_lock(conn: asyncpg.Connection, lock_id: int) -> bool:
    """Whether this transaction holds the sweep's advisory lock (one replica sweeps at a time)."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", lock_id))


async def stale_jobs(
    conn: asyncpg.Connection, *, topic: str, stale_after: float, limit: int
) -> list[asyncpg.Record]:
    """Open jobs unchanged for `stale_after` s, not re-published within it, with no request still
    due in the outbox, locked for this transaction; with what the outbox knows of each one's latest
    re-published copy (`api_service.domain.republish.LatestCopy`)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT j.job_id, j.organization_id, j.scope, j.export_type, j.file_format, j.filters,
                  j.asset_config, j.requested_at, o.kafka_partition, o.kafka_offset,
                  coalesce(extract(epoch FROM now() - j.republished_at), 0)::float8 AS copy_age_s,
                  (SELECT count(*) FROM api.outbox c
                    WHERE c.key = j.job_id AND c.topic = $1 AND c.created_at > j.updated_at)::int AS copies,
                  o.consumed_at IS NOT NULL AS taken, o.counted_at IS NOT NULL AS counted,
                  o.events_end_partitions, o.events_end_offsets,
                  EXISTS (SELECT 1 FROM api.outbox later
                           WHERE later.topic = o.topic AND later.kafka_partition = o.kafka_partition
                             AND later.sent_at > o.sent_at AND later.kafka_offset <= o.kafka_offset)
                      AS later_send_not_above
             FROM api.export_jobs j
             LEFT JOIN api.outbox o ON o.id = j.last_republish_id AND o.topic = $1 AND o.sent_at IS NOT NULL
            WHERE j.status IN ('pending', 'processing')
              AND j.updated_at < now() - make_interval(secs => $2)
              AND (j.republished_at IS NULL OR j.republished_at < now() - make_interval(secs => $2))
              AND NOT EXISTS (SELECT 1 FROM api.outbox u
                               WHERE u.key = j.job_id AND u.sent_at IS NULL AND u.dead_at IS NULL)
            ORDER BY j.updated_at LIMIT $3 FOR UPDATE OF j SKIP LOCKED""",
        topic,
        stale_after,
        limit,
    )
    return rows


async def mark_republished(conn: asyncpg.Connection, job_ids: list[str]) -> list[asyncpg.Record]:
    """Re-published now. A job that moved since its last re-publish starts counting unanswered
    re-publishes (`count_unanswered_republishes`) from 0 again. The ids and those counts."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """UPDATE api.export_jobs SET republished_at = now(),
                  republish_count = CASE WHEN republished_at IS NULL OR updated_at > republished_at
                                         THEN 0 ELSE republish_count END
            WHERE job_id = ANY($1::text[])
        RETURNING job_id, republish_count""",
        job_ids,
    )
    return rows


async def note_republish(conn: asyncpg.Connection, *, job_id: str, outbox_id: int) -> None:
    """The outbox row of the job's latest re-publish: the one whose consumption counts."""
    await conn.execute(
        "UPDATE api.export_jobs SET last_republish_id = $2 WHERE job_id = $1", job_id, outbox_id
    )


_LATEST_REPUBLISH_OF_OPEN = """api.export_jobs j JOIN api.outbox o ON o.id = j.last_republish_id
    WHERE j.status IN ('pending', 'processing') AND o.topic = $1 AND o.sent_at IS NOT NULL
      AND o.counted_at IS NULL"""


async def republishes_awaiting(conn: DbConn, *, topic: str) -> tuple[list[int], bool]:
    """Where the latest re-publishes of open jobs wait: the partitions of those the render planner
    has not been seen to take, and whether any it took may await its answer in the read model."""
    rows = await conn.fetch(
        f"""SELECT DISTINCT o.kafka_partition, o.consumed_at IS NOT NULL AS taken
              FROM {_LATEST_REPUBLISH_OF_OPEN} AND o.kafka_partition IS NOT NULL""",
        topic,
    )
    return sorted({r["kafka_partition"] for r in rows if not r["taken"]}), any(r["taken"] for r in rows)


async def note_consumed_republishes(
    conn: asyncpg.Connection, *, topic: str, planner: dict[int, int], events_end: dict[int, int]
) -> int:
    """Mark the latest re-publish of each open job as taken once the render planner's committed
    offset (`planner`: partition → next offset it will handle) is past it, keeping `events_end` (the
    events topic's end offsets, read after `planner`): whatever it answered lies below them.

    A request merely queued behind a backlog is not past it. Broker restarts with memory storage
    start offsets again from 0 (and forget committed offsets): a row sent later on the same partition
    at an offset not above ours shows the log ours was in is gone, so the new log's committed offset
    proves nothing about ours (it was lost, not taken). How many were marked."""
    if not planner or not events_end:
        return 0
    marked: str = await conn.execute(
        """UPDATE api.outbox o SET consumed_at = now(), events_end_partitions = $4::int[],
                  events_end_offsets = $5::bigint[]
             FROM api.export_jobs j, unnest($2::int[], $3::bigint[]) AS c(part, next_offset)
            WHERE o.id = j.last_republish_id AND j.status IN ('pending', 'processing')
              AND o.topic = $1 AND o.sent_at IS NOT NULL AND o.consumed_at IS NULL
              AND o.kafka_partition = c.part AND o.kafka_offset < c.next_offset
              AND NOT EXISTS (SELECT 1 FROM api.outbox later
                               WHERE later.topic = o.topic AND later.kafka_partition = o.kafka_partition
                                 AND later.sent_at > o.sent_at AND later.kafka_offset <= o.kafka_offset)""",
        topic,
        list(planner),
        list(planner.values()),
        list(events_end),
        list(events_end.values()),
    )
    return int(marked.split()[-1])


async def count_unanswered_republishes(
    conn: asyncpg.Connection, *, topic: str, projection: dict[int, int]
) -> list[asyncpg.Record]:
    """Count each taken re-publish whose answer, if any, must be in the read model by now — the
    projection (`projection`: its committed offsets on the events topic) has reached the end offsets
    kept when it was taken — while its job still has not moved since it was re-published. An answer
    still queued behind a backlog of events does not count. The job ids and their new counts."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """WITH counted AS (
               UPDATE api.outbox o SET counted_at = now()
                 FROM api.export_jobs j
                WHERE o.id = j.last_republish_id AND j.status = 'pending'
                  AND j.updated_at <= j.republished_at
                  AND o.topic = $1 AND o.consumed_at IS NOT NULL AND o.counted_at IS NULL
                  AND NOT EXISTS (
                      SELECT 1
                        FROM unnest(o.events_end_partitions, o.events_end_offsets) AS e(part, end_offset)
                        LEFT JOIN unnest($2::int[], $3::bigint[]) AS p(part, next_offset) USING (part)
                       WHERE coalesce(p.next_offset, 0) < e.end_offset)
               RETURNING o.key)
           UPDATE api.export_jobs j SET republish_count = j.republish_count + 1
             FROM counted WHERE j.job_id = counted.key
           RETURNING j.job_id, j.republish_count""",
        topic,
        list(projection),
        list(projection.values()),
    )
    return rows


async def fail_exhausted(
    conn: asyncpg.Connection, *, stale_after: float, max_republishes: int, error: str
) -> list[str]:
    """Fail the open jobs whose re-published request the render service took and left unanswered
    `max_republishes` times without the job moving since; their ids."""
    ids: list[str] = [
        r["job_id"]
        for r in await conn.fetch(
            """UPDATE api.export_jobs SET status = 'failed', error = $3, completed_at = now(),
                      version = version + 1, updated_at = now()
                WHERE status IN ('pending', 'processing')
                  AND republish_count >= $2
                  AND updated_at <= republished_at
                  AND republished_at < now() - make_interval(secs => $1)
            RETURNING job_id""",
            stale_after,
            max_republishes,
            error,
        )
    ]
    return ids


async def count_by_status(conn: DbConn) -> dict[str, int]:
    rows = await conn.fetch("SELECT status, count(*) AS n FROM api.export_jobs GROUP BY status")
    return {r["status"]: r["n"] for r in rows}

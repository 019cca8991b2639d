"""The relay's SQL over api.outbox (rows are added with their job by jobs_repo.add_to_outbox)."""

from __future__ import annotations

import asyncpg
from aiokafka.structs import RecordMetadata

from shared.db.pool import DbConn


async def lock_unsent(conn: asyncpg.Connection, *, limit: int) -> list[asyncpg.Record]:
    """The oldest rows neither sent nor dead, locked for this transaction (other relays skip them)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT id, topic, key, value FROM api.outbox WHERE sent_at IS NULL AND dead_at IS NULL
            ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
        limit,
    )
    return rows


async def mark_sent(conn: asyncpg.Connection, placed: dict[int, RecordMetadata]) -> None:
    """Sent, with where the broker put each row: the stale-job sweep compares that with how far the
    render planner has consumed (stale_jobs.py)."""
    await conn.execute(
        """UPDATE api.outbox o SET sent_at = now(), attempts = attempts + 1,
                  kafka_partition = p.part, kafka_offset = p.pos
             FROM unnest($1::bigint[], $2::int[], $3::bigint[]) AS p(id, part, pos)
            WHERE o.id = p.id""",
        list(placed),
        [m.partition for m in placed.values()],
        [m.offset for m in placed.values()],
    )


async def note_failure(conn: asyncpg.Connection, *, ids: list[int], error: str) -> None:
    """A try that failed for a reason worth retrying: counted, the row stays due."""
    await conn.execute(
        "UPDATE api.outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])",
        ids,
        error,
    )


async def mark_dead(conn: asyncpg.Connection, *, row_id: int, error: str) -> None:
    await conn.execute(
        """UPDATE api.outbox SET dead_at = now(), attempts = attempts + 1, last_error = $2
            WHERE id = $1""",
        row_id,
        error,
    )


async def oldest_unsent_age(conn: DbConn) -> float:
    """Seconds since the oldest row still due was written (0 when none is)."""
    age = await conn.fetchval(
        "SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)"
        " FROM api.outbox WHERE sent_at IS NULL AND dead_at IS NULL"
    )
    return float(age)

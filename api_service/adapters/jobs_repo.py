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
) -> bool:
    """Create a pending job; False when it already exists (a replayed request)."""
    status = await conn.execute(
        """INSERT INTO api.export_jobs (job_id, organization_id, scope, export_type, file_format,
                                        filters, asset_config, source, idempotency_key, request_hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
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
    )
    return bool(status.endswith(" 1"))


async def add_to_outbox(conn: asyncpg.Connection, *, topic: str, event: events.CloudEvent) -> None:
    """Queue an event in the caller's transaction; NOTIFY wakes the relay at commit."""
    await conn.execute(
        "INSERT INTO api.outbox (topic, key, value) VALUES ($1, $2, $3)",
        topic,
        event.subject or "",
        events.encode(event),
    )
    await conn.execute(f"NOTIFY {OUTBOX_CHANNEL}")


async def get_job(conn: DbConn, *, organization_id: uuid.UUID, job_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_JOB_COLUMNS} FROM api.export_jobs WHERE job_id = $1 AND organization_id = $2",
        job_id,
        organization_id,
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


async def claim_stale(conn: asyncpg.Connection, *, stale_after: float, limit: int) -> list[asyncpg.Record]:
    """Open jobs unchanged for `stale_after` s, not re-published within it, with no request still
    due in the outbox; marks them re-published now and counts the tries since the job last moved."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """UPDATE api.export_jobs j SET republished_at = now(),
                  republish_count = CASE WHEN j.republished_at IS NULL OR j.updated_at > j.republished_at
                                         THEN 1 ELSE j.republish_count + 1 END
            WHERE j.job_id IN (
                SELECT job_id FROM api.export_jobs
                 WHERE status IN ('pending', 'processing')
                   AND updated_at < now() - make_interval(secs => $1)
                   AND (republished_at IS NULL OR republished_at < now() - make_interval(secs => $1))
                   AND NOT EXISTS (SELECT 1 FROM api.outbox o
                                    WHERE o.key = export_jobs.job_id AND o.sent_at IS NULL
                                      AND o.dead_at IS NULL)
                 ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING job_id, organization_id, scope, export_type, file_format, filters, asset_config,
                     requested_at, republish_count""",
        stale_after,
        limit,
    )
    return rows


async def fail_exhausted(
    conn: asyncpg.Connection, *, stale_after: float, max_republishes: int, error: str
) -> list[str]:
    """Fail the open jobs re-published `max_republishes` times without moving since; their ids."""
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

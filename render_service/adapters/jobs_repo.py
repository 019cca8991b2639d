"""Render-service state: planned jobs, their item snapshots, chunks and print history (schema `render`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import cast

import asyncpg

from labelkit.export_spec import AssetConfig, ExportSpec
from labelkit.rendering.model import ItemRow
from render_service.adapters import org_limits_repo
from render_service.adapters.snapshot_query import snapshot_query
from render_service.domain.models import Chunk, JobOwner, Output, PlannedJob, StoredArtifact
from render_service.planning.chunking import chunk_alignment, chunk_bounds
from shared.db.org_limits import admit, organization_limits
from shared.db.pool import DbConn
from shared.org_limits import OrgLimits


async def organization_exists(conn: DbConn, organization_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM catalog.organizations WHERE id = $1", organization_id))


# A job's filters are left out: they served planning only (render_service.domain.models.Output).
_JOB_COLUMNS = """job_id, organization_id, request - 'filters' AS request, status, total_items, chunk_count,
                  planned_at, error, artifact_key, output_filename, file_size_bytes, content_type, sha256"""
_CHUNK_COLUMNS = "chunk_index, first_seq, end_seq, status, part_size"


def _job(row: asyncpg.Record) -> PlannedJob:
    request = row["request"]
    artifact = None
    if row["artifact_key"] is not None:
        artifact = StoredArtifact(
            key=row["artifact_key"],
            output_filename=row["output_filename"],
            file_size_bytes=row["file_size_bytes"],
            content_type=row["content_type"],
            sha256=row["sha256"],
        )
    return PlannedJob(
        job_id=row["job_id"],
        organization_id=row["organization_id"],
        output=Output(
            scope=request["scope"],
            export_type=request["export_type"],
            file_format=request["file_format"],
            # Stored by plan_job from a validated spec; typed again here, once per read (~3 µs).
            asset_config=AssetConfig.model_validate(request.get("asset_config") or {}),
        ),
        status=row["status"],
        total_items=row["total_items"],
        chunk_count=row["chunk_count"],
        planned_at=row["planned_at"],
        error=row["error"],
        artifact=artifact,
    )


def _chunk(row: asyncpg.Record) -> Chunk:
    return Chunk(
        chunk_index=row["chunk_index"],
        first_seq=row["first_seq"],
        end_seq=row["end_seq"],
        status=row["status"],
        part_size=row["part_size"],
    )


async def get_job(conn: DbConn, job_id: str) -> PlannedJob | None:
    row = await conn.fetchrow(f"SELECT {_JOB_COLUMNS} FROM render.jobs WHERE job_id = $1", job_id)
    return None if row is None else _job(row)


async def job_status(conn: DbConn, job_id: str) -> str | None:
    status: str | None = await conn.fetchval("SELECT status FROM render.jobs WHERE job_id = $1", job_id)
    return status


async def plan_job(
    conn: asyncpg.Connection,
    *,
    job_id: str,
    organization_id: uuid.UUID,
    spec: ExportSpec,
    chunk_size: int,
    spread: int = 1,
    limits: OrgLimits | None = None,
) -> bool:
    """Fix the job's items (fixed snapshot) and chunk boundaries in one transaction.

    False when the job was planned before (a re-delivered request): nothing changes. `limits`: the
    service defaults of the per-organization limits; a job over its organization's limits raises
    OrgLimitExceeded and nothing of it is kept.
    """
    async with conn.transaction():
        inserted = await conn.fetchval(
            """INSERT INTO render.jobs (job_id, organization_id, request, status, total_items, chunk_count)
               VALUES ($1, $2, $3, 'rendering', 0, 0) ON CONFLICT (job_id) DO NOTHING RETURNING 1""",
            job_id,
            organization_id,
            spec.request_data(),
        )
        if not inserted:
            return False
        if limits is not None:
            limits = await organization_limits(conn, organization_id, limits)
        select, args = snapshot_query(spec, organization_id)
        # One item past a limit is enough to refuse: a job of ten million is not copied to be refused.
        cap = limits.items_worth_counting if limits is not None else None
        # The snapshot is copied server-side: no entity travels through this process.
        status = await conn.execute(
            f"""INSERT INTO render.job_items (job_id, seq, entity_id, gtin, lot, expiry, serial)
                SELECT ${len(args) + 1}, (row_number() OVER (ORDER BY q.entity_seq)) - 1,
                       q.entity_id, q.gtin, q.lot, q.expiry, q.serial
                  FROM ({select} LIMIT ${len(args) + 2}) q""",
            *args,
            job_id,
            cap,
        )
        total = int(status.split()[-1])
        if limits is not None:
            # Every request, HTTP or Kafka, on the exact count (fixed snapshot); raising rolls back.
            await admit(
                conn,
                organization_id=organization_id,
                limits=limits,
                items=total,
                ledger="render",
                open_work=lambda: org_limits_repo.open_work(
                    conn, organization_id=organization_id, job_id=job_id
                ),
            )
        bounds = chunk_bounds(total, chunk_size, align=chunk_alignment(spec), spread=spread)
        await conn.executemany(
            "INSERT INTO render.chunks (job_id, chunk_index, first_seq, end_seq) VALUES ($1, $2, $3, $4)",
            [(job_id, i, first, end) for i, (first, end) in enumerate(bounds)],
        )
        await conn.execute(
            "UPDATE render.jobs SET total_items = $2, chunk_count = $3 WHERE job_id = $1",
            job_id,
            total,
            len(bounds),
        )
        return True


async def pending_chunks(conn: DbConn, job_id: str) -> list[int]:
    rows = await conn.fetch(
        "SELECT chunk_index FROM render.chunks WHERE job_id = $1 AND status = 'pending' ORDER BY chunk_index",
        job_id,
    )
    return [r["chunk_index"] for r in rows]


async def get_chunk(conn: DbConn, job_id: str, chunk_index: int) -> Chunk | None:
    row = await conn.fetchrow(
        f"SELECT {_CHUNK_COLUMNS} FROM render.chunks WHERE job_id = $1 AND chunk_index = $2",
        job_id,
        chunk_index,
    )
    return None if row is None else _chunk(row)


async def done_item_count(conn: DbConn, job_id: str) -> int:
    return int(
        await conn.fetchval(
            "SELECT coalesce(sum(end_seq - first_seq), 0) FROM render.chunks"
            " WHERE job_id = $1 AND status = 'done'",
            job_id,
        )
    )


async def iter_items(
    conn: asyncpg.Connection, job_id: str, first: int, end: int, *, batch: int
) -> AsyncIterator[list[ItemRow]]:
    """Stream a chunk's items in batches through a server-side cursor (bounded memory), as rows
    in LabelItem field order, ready to go to the process pool."""
    async with conn.transaction(readonly=True):
        cursor = await conn.cursor(
            """SELECT entity_id::text, gtin, lot, expiry, serial FROM render.job_items
                WHERE job_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq""",
            job_id,
            first,
            end,
        )
        while records := await cursor.fetch(batch):
            yield [cast(ItemRow, tuple(r)) for r in records]


async def mark_chunk_done(
    conn: DbConn, *, job_id: str, chunk_index: int, part_key: str, part_size: int, rendered_by: str
) -> bool:
    status = await conn.execute(
        """UPDATE render.chunks SET status = 'done', part_key = $3, part_size = $4, rendered_by = $5,
                  attempts = attempts + 1, updated_at = now()
            WHERE job_id = $1 AND chunk_index = $2 AND status = 'pending'""",
        job_id,
        chunk_index,
        part_key,
        part_size,
        rendered_by,
    )
    return bool(status.endswith(" 1"))


async def complete_job(
    conn: DbConn,
    *,
    job_id: str,
    artifact_key: str,
    output_filename: str,
    file_size_bytes: int,
    content_type: str,
    sha256: str,
) -> bool:
    """Mark the job completed, once; this also makes its print history count. False if already final."""
    status = await conn.execute(
        """UPDATE render.jobs SET status = 'completed', artifact_key = $2, output_filename = $3,
                  file_size_bytes = $4, content_type = $5, sha256 = $6, finished_at = now()
            WHERE job_id = $1 AND status IN ('rendering', 'assembling')""",
        job_id,
        artifact_key,
        output_filename,
        file_size_bytes,
        content_type,
        sha256,
    )
    return bool(status.endswith(" 1"))


async def record_print_history(conn: DbConn, *, job_id: str, first: int, end: int) -> None:
    """Write the print history of items [first, end) (fixed snapshot: once, whatever the retries).

    Written while the chunk renders; the `never_printed` filter counts a row only once its job is
    completed (`snapshot_query`), so completing the job is the single moment it takes effect.
    Rows go in entity order: the primary key's index then fills in order (~20% faster).
    """
    await conn.execute(
        """INSERT INTO render.print_history (entity_id, job_id, organization_id)
           SELECT i.entity_id, i.job_id, j.organization_id
             FROM render.job_items i JOIN render.jobs j USING (job_id)
            WHERE i.job_id = $1 AND i.seq >= $2 AND i.seq < $3
            ORDER BY i.entity_id
           ON CONFLICT DO NOTHING""",
        job_id,
        first,
        end,
    )


async def fail_job(conn: DbConn, *, job_id: str, error: str) -> bool:
    status = await conn.execute(
        """UPDATE render.jobs SET status = 'failed', error = $2, finished_at = now()
            WHERE job_id = $1 AND status IN ('rendering', 'assembling')""",
        job_id,
        error,
    )
    return bool(status.endswith(" 1"))


async def claim_assembly(conn: DbConn, job_id: str, *, lease_seconds: float) -> bool:
    """True for exactly one caller once every chunk is done (the row lock decides between racers).
    The claim is a lease: a job left `assembling` by a dead assembler is claimed again only after
    the lease runs out, never while a live one is still writing."""
    claimed = await conn.fetchval(
        """UPDATE render.jobs
              SET status = 'assembling', assembly_lease_until = now() + make_interval(secs => $2)
            WHERE job_id = $1
              AND (status = 'rendering' OR (status = 'assembling' AND assembly_lease_until < now()))
              AND NOT EXISTS (SELECT 1 FROM render.chunks WHERE job_id = $1 AND status = 'pending')
           RETURNING 1""",
        job_id,
        lease_seconds,
    )
    return bool(claimed)


async def chunks_of(conn: DbConn, job_id: str) -> list[Chunk]:
    rows = await conn.fetch(
        f"SELECT {_CHUNK_COLUMNS} FROM render.chunks WHERE job_id = $1 ORDER BY chunk_index", job_id
    )
    return [_chunk(r) for r in rows]


async def take_chunk_lease(
    conn: DbConn, *, job_id: str, chunk_index: int, token: str, seconds: float
) -> tuple[str, float]:
    """('taken', 0) when this worker may render the chunk; ('done', 0) when it is finished;
    ('held', seconds left) while another worker's lease is live."""
    taken = await conn.fetchval(
        """UPDATE render.chunks
              SET lease_token = $3, lease_until = now() + make_interval(secs => $4), updated_at = now()
            WHERE job_id = $1 AND chunk_index = $2 AND status = 'pending'
              AND (lease_until IS NULL OR lease_until < now() OR lease_token = $3)
           RETURNING 1""",
        job_id,
        chunk_index,
        token,
        seconds,
    )
    if taken:
        return "taken", 0.0
    row = await conn.fetchrow(
        """SELECT status, greatest(0, extract(epoch FROM lease_until - now()))::float8 AS left
             FROM render.chunks WHERE job_id = $1 AND chunk_index = $2""",
        job_id,
        chunk_index,
    )
    if row is None or row["status"] == "done":
        return "done", 0.0
    return "held", float(row["left"] or 0.0)


async def renew_chunk_lease(
    conn: DbConn, *, job_id: str, chunk_index: int, token: str, seconds: float
) -> bool:
    status = await conn.execute(
        """UPDATE render.chunks SET lease_until = now() + make_interval(secs => $4)
            WHERE job_id = $1 AND chunk_index = $2 AND lease_token = $3 AND status = 'pending'""",
        job_id,
        chunk_index,
        token,
        seconds,
    )
    return bool(status.endswith(" 1"))


async def try_sweep_lock(conn: asyncpg.Connection, lock_id: int) -> bool:
    """Whether this transaction holds the sweep's advisory lock (one replica sweeps at a time)."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", lock_id))


async def overdue_jobs(conn: DbConn, *, deadline_seconds: float, limit: int = 100) -> list[JobOwner]:
    rows = await conn.fetch(
        """SELECT job_id, organization_id FROM render.jobs
            WHERE status IN ('rendering', 'assembling') AND planned_at < now() - make_interval(secs => $1)
            ORDER BY planned_at LIMIT $2""",
        deadline_seconds,
        limit,
    )
    return [JobOwner(job_id=r["job_id"], organization_id=r["organization_id"]) for r in rows]


async def mark_cleaned(conn: DbConn, job_id: str) -> None:
    """A stopped job's objects are gone; its print history (which never counted) goes too."""
    await conn.execute("DELETE FROM render.print_history WHERE job_id = $1", job_id)
    await conn.execute("UPDATE render.jobs SET cleaned_at = now() WHERE job_id = $1", job_id)


async def failed_uncleaned(conn: DbConn, *, limit: int = 50) -> list[JobOwner]:
    rows = await conn.fetch(
        """SELECT job_id, organization_id FROM render.jobs
            WHERE status = 'failed' AND cleaned_at IS NULL ORDER BY finished_at LIMIT $1""",
        limit,
    )
    return [JobOwner(job_id=r["job_id"], organization_id=r["organization_id"]) for r in rows]

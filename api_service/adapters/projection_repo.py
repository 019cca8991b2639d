"""SQL that applies events to the read model. Every statement is a no-op when replayed
(monotonic projection): progress only rises, terminal states never change, `version` moves only with a
visible change. Every statement touches only a job of the organization the event names (tenancy)."""

from __future__ import annotations

import enum
import uuid
from typing import Any

import asyncpg

from shared import events

_OPEN = "status IN ('pending', 'processing')"


class Outcome(enum.Enum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"  # a replay, or an event older than the state
    MISSING = "missing"  # no such job (yet)
    FOREIGN = "foreign"  # the job belongs to another organization than the event names


async def apply(conn: asyncpg.Connection, data: events.JobData) -> Outcome:
    """Apply one event to its job, if the job is of the organization the event names."""
    if isinstance(data, events.ExportStarted):
        status = await conn.execute(
            f"""UPDATE api.export_jobs
                   SET status = 'processing', total_items = $2, version = version + 1, updated_at = now()
                 WHERE job_id = $1 AND organization_id = $3 AND {_OPEN}
                   AND (status = 'pending' OR total_items <> $2)""",
            data.job_id,
            data.total_items,
            data.organization_id,
        )
    elif isinstance(data, events.ExportProgress):
        status = await conn.execute(
            f"""UPDATE api.export_jobs
                   SET status = 'processing', total_items = $3,
                       processed_items = GREATEST(processed_items, LEAST($2, $3)),
                       version = version + 1, updated_at = now()
                 WHERE job_id = $1 AND organization_id = $4 AND {_OPEN}
                   AND (status = 'pending' OR total_items <> $3 OR processed_items < LEAST($2, $3))""",
            data.job_id,
            data.processed_items,
            data.total_items,
            data.organization_id,
        )
    elif isinstance(data, events.ExportCompleted):
        status = await conn.execute(
            f"""UPDATE api.export_jobs
                   SET status = 'completed', total_items = $2, processed_items = $2, artifact_key = $3,
                       output_filename = $4, file_size_bytes = $5, content_type = $6, sha256 = $7,
                       completed_at = now(), version = version + 1, updated_at = now()
                 WHERE job_id = $1 AND organization_id = $8 AND {_OPEN}""",
            data.job_id,
            data.total_items,
            data.key,
            data.output_filename,
            data.file_size_bytes,
            data.content_type,
            data.sha256,
            data.organization_id,
        )
    elif isinstance(data, events.ExportFailed):
        status = await conn.execute(
            f"""UPDATE api.export_jobs
                   SET status = 'failed', error = $2, completed_at = now(), version = version + 1,
                       updated_at = now()
                 WHERE job_id = $1 AND organization_id = $3 AND {_OPEN}""",
            data.job_id,
            data.error,
            data.organization_id,
        )
    else:
        raise TypeError(f"not a job event: {type(data).__name__}")
    if status.endswith(" 1"):
        return Outcome.CHANGED
    owner = await job_owner(conn, data.job_id)
    if owner is None:
        return Outcome.MISSING
    return Outcome.UNCHANGED if owner == data.organization_id else Outcome.FOREIGN


async def job_owner(conn: asyncpg.Connection, job_id: str) -> uuid.UUID | None:
    """The organization a job belongs to: the first that used its id (tenancy)."""
    owner: uuid.UUID | None = await conn.fetchval(
        "SELECT organization_id FROM api.export_jobs WHERE job_id = $1", job_id
    )
    return owner


async def park(conn: asyncpg.Connection, *, event_id: str, event_type: str, data: dict[str, Any]) -> None:
    await conn.execute(
        """INSERT INTO api.parked_events (event_id, job_id, event_type, data) VALUES ($1, $2, $3, $4)
           ON CONFLICT (event_id) DO NOTHING""",
        event_id,
        data["job_id"],
        event_type,
        data,
    )


async def take_parked(conn: asyncpg.Connection, *, job_id: str) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        "DELETE FROM api.parked_events WHERE job_id = $1 RETURNING event_type, data, received_at", job_id
    )
    return rows

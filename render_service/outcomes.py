"""Re-announces a finished job: a re-delivered message after a crash must still produce the
terminal event that may have been lost with the crash (at-least-once, invariant 2)."""

from __future__ import annotations

import asyncpg

from render_service.emitter import EventEmitter
from shared import events


async def reemit_outcome(emitter: EventEmitter, job: asyncpg.Record) -> None:
    if job["status"] == "completed":
        await emitter.emit(
            events.ExportCompleted(
                job_id=job["job_id"],
                total_items=job["total_items"],
                key=job["artifact_key"],
                output_filename=job["output_filename"],
                file_size_bytes=job["file_size_bytes"],
                content_type=job["content_type"],
                sha256=job["sha256"],
            )
        )
    elif job["status"] == "failed":
        await emitter.failed(job["job_id"], job["error"] or "failed")

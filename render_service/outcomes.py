"""Re-announces a finished job: a re-delivered message after a crash must still produce the
terminal event that may have been lost with the crash (effects once)."""

from __future__ import annotations

from render_service.chunks.ports import JobEvents
from render_service.domain.models import PlannedJob
from shared import events


async def reemit_outcome(emitter: JobEvents, job: PlannedJob) -> None:
    if job.status == "completed":
        assert job.artifact is not None  # complete_job sets it with the status
        await emitter.emit(
            events.ExportCompleted(
                job_id=job.job_id,
                organization_id=job.organization_id,
                total_items=job.total_items,
                key=job.artifact.key,
                output_filename=job.artifact.output_filename,
                file_size_bytes=job.artifact.file_size_bytes,
                content_type=job.artifact.content_type,
                sha256=job.artifact.sha256,
            )
        )
    elif job.status == "failed":
        await emitter.failed(job.job_id, job.organization_id, job.error or "failed")

"""Entry point for chunk tasks: render one chunk of a planned job, then finish the job if it was the
last one (DESIGN §5). Any replica takes any chunk; doing a chunk twice leaves the same result."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Executor
from typing import Any

import asyncpg

from render_service.adapters import jobs_repo
from render_service.adapters.artifact_store import S3StreamUpload
from render_service.adapters.object_cleanup import delete_job_objects
from render_service.artifacts import ArtifactPlan, artifact_plan
from render_service.emitter import EventEmitter
from render_service.pipeline import RenderPipeline, RenderFailure
from render_service.terminal import reemit_terminal
from shared import events
from shared.consumer import Record
from shared.s3 import content_disposition

log = logging.getLogger(__name__)


class JobCancelled(Exception):
    """The job became final (cancelled) while this chunk was rendering."""


class ChunkWorker:
    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        s3: Any,
        bucket: str,
        emitter: EventEmitter,
        executor: Executor,
        instance_id: str,
        batch_size: int,
        batches_in_flight: int,
        part_bytes: int,
        progress_interval: float,
    ) -> None:
        self._pool = pool
        self._s3 = s3
        self._bucket = bucket
        self._emitter = emitter
        self._pipeline = RenderPipeline(
            executor=executor, batch_size=batch_size, batches_in_flight=batches_in_flight
        )
        self._instance_id = instance_id
        self._part_bytes = part_bytes
        self._progress_interval = progress_interval

    async def handle(self, record: Record) -> None:
        event = events.decode(record.value)
        task = events.parse_data(event)
        if not isinstance(task, events.ChunkTask):
            raise events.InvalidMessage(f"unexpected event type {event.type!r} on the chunks topic")
        job = await jobs_repo.get_job(self._pool, task.job_id)
        if job is None:
            raise events.InvalidMessage(f"chunk task for unknown job {task.job_id}")
        if job["status"] in ("completed", "failed"):
            await reemit_terminal(self._emitter, job)
            return
        chunk = await jobs_repo.get_chunk(self._pool, task.job_id, task.chunk_index)
        if chunk is None:
            raise events.InvalidMessage(f"job {task.job_id} has no chunk {task.chunk_index}")
        if chunk["status"] == "done":
            return
        if job["chunk_count"] != 1:
            # Multi-chunk assembly arrives with the fan-out work; until then planning makes one chunk.
            await self._fail(job, "multi-chunk jobs are not supported by this version")
            return
        await self._render_single(job, chunk)

    async def _render_single(self, job: asyncpg.Record, chunk: asyncpg.Record) -> None:
        """Small-job fast path: the only chunk writes the final artifact directly."""
        job_id = job["job_id"]
        plan: ArtifactPlan = artifact_plan(job)
        log_extra = {"job_id": job_id, "organization_id": str(job["organization_id"])}
        upload = S3StreamUpload(
            self._s3,
            bucket=self._bucket,
            key=plan.key,
            part_bytes=self._part_bytes,
            content_type=plan.content_type,
            content_disposition=content_disposition(plan.filename),
        )
        total = job["total_items"]
        last_progress = time.monotonic()

        async def on_progress(done: int) -> None:
            nonlocal last_progress
            await upload.pump()
            now = time.monotonic()
            if now - last_progress >= self._progress_interval:
                last_progress = now
                # A cancel is noticed within one tick: rendering stops within seconds.
                if await jobs_repo.job_status(self._pool, job_id) != "rendering":
                    raise JobCancelled(job_id)
                await self._emitter.progress(job_id, done, total)

        started = time.monotonic()
        try:
            async with self._pool.acquire() as conn:
                await self._pipeline.render(
                    conn, job=job, chunk=chunk, plan=plan, sink=upload, on_progress=on_progress
                )
            await upload.finish()
        except RenderFailure as exc:
            await upload.abort()
            await self._fail(job, str(exc))
            return
        except JobCancelled:
            await upload.abort()
            await self._discard(job)
            return
        except BaseException:
            await asyncio.shield(upload.abort())
            raise
        await jobs_repo.mark_chunk_done(
            self._pool,
            job_id=job_id,
            chunk_index=chunk["chunk_index"],
            part_key=plan.key,
            part_size=upload.size,
            rendered_by=self._instance_id,
        )
        async with self._pool.acquire() as conn:
            completed = await jobs_repo.complete_job(
                conn,
                job_id=job_id,
                artifact_key=plan.key,
                output_filename=plan.filename,
                file_size_bytes=upload.size,
                content_type=plan.content_type,
                sha256=upload.sha256,
            )
        if not completed:  # cancelled while the last bytes went up
            await self._discard(job)
            return
        final = await jobs_repo.get_job(self._pool, job_id)
        assert final is not None
        await reemit_terminal(self._emitter, final)
        elapsed = time.monotonic() - started
        log.info(
            "job completed: %d items in %.2fs (%.0f/s), %d bytes",
            total, elapsed, total / elapsed if elapsed else 0.0, upload.size, extra=log_extra,
        )

    async def _discard(self, job: asyncpg.Record) -> None:
        await delete_job_objects(
            self._s3, bucket=self._bucket, organization_id=job["organization_id"], job_id=job["job_id"]
        )
        final = await jobs_repo.get_job(self._pool, job["job_id"])
        assert final is not None
        await reemit_terminal(self._emitter, final)
        log.info("stopped rendering: job is %s", final["status"], extra={"job_id": job["job_id"]})

    async def _fail(self, job: asyncpg.Record, error: str) -> None:
        await jobs_repo.fail_job(self._pool, job_id=job["job_id"], error=error)
        final = await jobs_repo.get_job(self._pool, job["job_id"])
        assert final is not None
        await reemit_terminal(self._emitter, final)

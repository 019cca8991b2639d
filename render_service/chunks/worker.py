"""Entry point for chunk tasks: render one chunk of a planned job; whoever finishes the last chunk
assembles the artifact (docs/design.md#scaling-one-job). Any replica takes any chunk; doing a chunk twice
overwrites the same objects, and progress counts finished chunks, so nothing is counted or stored twice."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import orjson

from render_service.artifacts import artifact_plan
from render_service.chunks.part_keys import part_keys, part_prefix
from render_service.chunks.pipeline import RenderFailure
from render_service.chunks.ports import (
    ChunkRenderer,
    ChunkStore,
    JobEvents,
    ObjectStorage,
    PartJoiner,
    Upload,
)
from render_service.chunks.task import parse_chunk_task
from render_service.domain.models import LIVE, Chunk, PlannedJob
from render_service.metrics import ASSEMBLY_SECONDS, CHUNK_SECONDS, JOBS_FINISHED
from render_service.outcomes import reemit_outcome
from shared import events
from shared.backoff import Backoff
from shared.consumer import Record
from shared.metrics import S3_ERRORS
from shared.s3 import content_disposition, is_transient_s3_error

log = logging.getLogger(__name__)

T = TypeVar("T")


class JobStopped(Exception):
    """The job became final (cancelled or failed elsewhere) while this worker was on it."""


class ChunkWorker:
    def __init__(
        self,
        *,
        store: ChunkStore,
        storage: ObjectStorage,
        renderer: ChunkRenderer,
        joiner: PartJoiner,
        emitter: JobEvents,
        instance_id: str,
        progress_interval: float,
        assembly_lease: float,
        chunk_lease: float,
        storage_budget: float,
    ) -> None:
        self._assembly_lease = assembly_lease
        self._chunk_lease = chunk_lease
        self._storage_budget = storage_budget
        # Unique per process: a restarted replica with the same name must not inherit old leases.
        self._token = f"{instance_id}/{os.getpid()}/{secrets.token_hex(4)}"
        self._store = store
        self._storage = storage
        self._renderer = renderer
        self._joiner = joiner
        self._emitter = emitter
        self._instance_id = instance_id
        self._progress_interval = progress_interval

    async def handle(self, record: Record) -> None:
        event = events.decode(record.value)
        task = parse_chunk_task(event)
        await self.run_task(task.job_id, task.chunk_index)

    async def run_task(self, job_id: str, chunk_index: int) -> None:
        """A chunk task: first every chunk that should render before it, then its own.

        Fair scheduling: whichever task frees a slot, the slot goes to the waiting chunk of the
        organization with the fewest chunks in flight on any replica (the store decides, under
        row locks), so another organization's chunk does not wait behind a giant job's tasks on
        the chunks topic. The task's own chunk comes last and the offset is committed only after
        it, so a task still guarantees its chunk is done (no lost job); a chunk taken here is
        leased like any other, and its own task finds it done or waits for the lease. Once the
        own chunk is done (a duplicate task), nothing else is taken."""
        own = (job_id, chunk_index)
        while True:
            picked = await self._store.take_waiting_chunk(
                prefer=own, token=self._token, seconds=self._chunk_lease
            )
            if picked is None or picked == own:
                break
            log.info("took waiting chunk %d of job %s first", picked[1], picked[0], extra={"job_id": job_id})
            await self.run_chunk(*picked)
        await self.run_chunk(job_id, chunk_index)

    async def run_chunk(self, job_id: str, chunk_index: int) -> None:
        """Render the chunk unless done, then finish the job if nothing is left (also used inline
        by the planner for small jobs)."""
        job = await self._store.get_job(job_id)
        if job is None:
            raise events.InvalidMessage(f"chunk task for unknown job {job_id}")
        if not job.live:
            # A duplicate task, or a chunk this worker leased (fair scheduling takes the lease
            # before rendering) and then stalled on while another replica finished the job.
            await reemit_outcome(self._emitter, job)
            log.info("stopped: job is %s", job.status, extra={"job_id": job_id, "chunk": chunk_index})
            return
        chunk = await self._store.get_chunk(job_id, chunk_index)
        if chunk is None:
            raise events.InvalidMessage(f"job {job_id} has no chunk {chunk_index}")
        extra = {"job_id": job_id, "organization_id": str(job.organization_id), "chunk": chunk_index}
        try:
            if chunk.status == "pending" and await self._lease(job, chunk_index):
                started = time.monotonic()
                size = await self._with_storage_budget(lambda: self._render(job, chunk))
                items = chunk.item_count
                CHUNK_SECONDS.labels(job.output.export_type).observe(time.monotonic() - started)
                log.info(
                    "chunk rendered by %s: %d items in %.2fs, %d bytes",
                    self._instance_id,
                    items,
                    time.monotonic() - started,
                    size,
                    extra=extra,
                )
            if job.chunk_count > 1 and await self._store.claim_assembly(
                job_id, lease_seconds=self._assembly_lease
            ):
                await self._with_storage_budget(lambda: self._assemble(job))
        except RenderFailure as exc:
            await self._fail(job, str(exc))
        except JobStopped:
            await self._discard(job)

    async def _lease(self, job: PlannedJob, chunk_index: int) -> bool:
        """Take the chunk's lease; True to render it, False when it got done meanwhile.

        While another worker's lease is live this waits (that worker renews it as it works); a
        lease that runs out means its worker died, and this one takes over (self-healing).
        """
        while True:
            state, left = await self._store.take_chunk_lease(
                job_id=job.job_id,
                chunk_index=chunk_index,
                token=self._token,
                seconds=self._chunk_lease,
            )
            if state != "held":
                return state == "taken"
            if await self._store.job_status(job.job_id) not in LIVE:
                raise JobStopped(job.job_id)
            await asyncio.sleep(min(max(left, 0.1), 1.0))

    async def _with_storage_budget(self, step: Callable[[], Awaitable[T]]) -> T:
        """Retry a step while the object store is unreachable, with backoff and jitter, for at most
        `storage_budget` seconds; then the job fails saying so. Each try starts the step over:
        uploads are aborted on failure and keys are deterministic."""
        deadline = time.monotonic() + self._storage_budget
        backoff = Backoff(initial=0.5, cap=10.0)
        while True:
            try:
                return await step()
            except Exception as exc:
                if not is_transient_s3_error(exc):
                    raise
                S3_ERRORS.labels("artifact").inc()
                delay = backoff.next()
                if time.monotonic() + delay > deadline:
                    raise RenderFailure(
                        f"object storage unavailable for more than {self._storage_budget:.0f} s: "
                        f"{type(exc).__name__}: {exc}"
                    ) from None
                log.warning("object storage error (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)

    async def _render(self, job: PlannedJob, chunk: Chunk) -> int:
        """Render into the final artifact (one-chunk job) or the chunk's part; returns its size."""
        whole = job.chunk_count == 1
        plan = artifact_plan(job)
        keys = part_keys(job.organization_id, job.job_id, chunk.chunk_index)
        upload = self._upload(
            plan.key if whole else keys.data,
            plan.content_type if whole else "application/octet-stream",
            content_disposition(plan.filename) if whole else None,
        )
        on_progress = self._progress_reporter(job, chunk, upload.pump)
        # The chunk's print history is written alongside the rendering, off the critical path; it
        # counts only once the job completes (the store's record_print_history).
        history = asyncio.create_task(
            self._store.record_print_history(job_id=job.job_id, first=chunk.first_seq, end=chunk.end_seq)
        )
        try:
            sidecar = await self._renderer.render(
                job=job, chunk=chunk, sink=upload, on_progress=on_progress, whole=whole
            )
            await upload.finish()
            await history
        except BaseException:
            history.cancel()
            await asyncio.shield(upload.abort())
            await asyncio.wait([history])  # settled before a discard deletes the job's history
            raise
        if sidecar is not None and sidecar.pdf_parts:
            await self._put(keys.pdf_parts, orjson.dumps([p.to_json() for p in sidecar.pdf_parts]))
        elif sidecar is not None:  # a ZIP part (an empty PDF chunk cannot exist: chunks are non-empty)
            await self._put(keys.records, sidecar.records)
            await self._put(keys.manifest, sidecar.manifest)
        marked = await self._store.mark_chunk_done(
            job_id=job.job_id,
            chunk_index=chunk.chunk_index,
            part_key=plan.key if whole else keys.data,
            part_size=upload.size,
            rendered_by=self._instance_id,
        )
        # Checked after every write: a cancel that deleted the job's objects before our last
        # write is seen here, and we delete what we wrote (the cancel sets the status first).
        if await self._store.job_status(job.job_id) not in LIVE:
            raise JobStopped(job.job_id)
        if whole:
            await self._complete(job, key=plan.key, size=upload.size, sha256=upload.sha256)
        elif marked:
            done = await self._store.done_item_count(job.job_id)
            await self._emitter.progress(job.job_id, job.organization_id, done, job.total_items)
        return upload.size

    def _progress_reporter(
        self, job: PlannedJob, chunk: Chunk, pump: Callable[[], Awaitable[None]]
    ) -> Callable[[int], Awaitable[None]]:
        """Ships full upload parts; at most every `progress_interval` checks the job is still live
        (a cancel stops rendering within one tick), renews the chunk's lease and, while it holds
        it, reports finished chunks + this one's share."""
        last = time.monotonic()

        async def on_progress(done_here: int) -> None:
            nonlocal last
            await pump()
            if time.monotonic() - last < self._progress_interval:
                return
            last = time.monotonic()
            if await self._store.job_status(job.job_id) not in LIVE:
                raise JobStopped(job.job_id)
            if not await self._store.renew_chunk_lease(
                job_id=job.job_id,
                chunk_index=chunk.chunk_index,
                token=self._token,
                seconds=self._chunk_lease,
            ):
                # Lease lost: this worker stalled past it and another took the chunk over (or
                # finished it). Rendering on is harmless (same keys, counted once), but this
                # share is no longer ours to report: the chunk is already counted, or will be.
                return
            done_before = 0 if job.chunk_count == 1 else await self._store.done_item_count(job.job_id)
            await self._emitter.progress(
                job.job_id, job.organization_id, done_before + done_here, job.total_items
            )

        return on_progress

    async def _assemble(self, job: PlannedJob) -> None:
        plan = artifact_plan(job)
        upload = self._upload(plan.key, plan.content_type, content_disposition(plan.filename))
        started = time.monotonic()
        try:
            chunks = await self._store.chunks_of(job.job_id)
            await self._joiner.join(job=job, chunks=chunks, into=upload)
            await upload.finish()
        except BaseException:
            await asyncio.shield(upload.abort())
            raise
        ASSEMBLY_SECONDS.observe(time.monotonic() - started)
        log.info(
            "assembled %d parts in %.2fs, %d bytes",
            job.chunk_count,
            time.monotonic() - started,
            upload.size,
            extra={"job_id": job.job_id},
        )
        await self._complete(job, key=plan.key, size=upload.size, sha256=upload.sha256)
        await self._delete_parts(job)

    async def _delete_parts(self, job: PlannedJob) -> None:
        await self._storage.delete_prefix(part_prefix(job.organization_id, job.job_id))

    async def _complete(self, job: PlannedJob, *, key: str, size: int, sha256: str) -> None:
        plan = artifact_plan(job)
        completed = await self._store.complete_job(
            job_id=job.job_id,
            artifact_key=key,
            output_filename=plan.filename,
            file_size_bytes=size,
            content_type=plan.content_type,
            sha256=sha256,
        )
        if not completed:  # cancelled while the last bytes went up
            raise JobStopped(job.job_id)
        JOBS_FINISHED.labels("completed").inc()
        final = await self._store.get_job(job.job_id)
        assert final is not None
        await reemit_outcome(self._emitter, final)

    def _upload(self, key: str, content_type: str, disposition: str | None) -> Upload:
        return self._storage.upload(key, content_type=content_type, disposition=disposition)

    async def _put(self, key: str, data: bytes) -> None:
        await self._storage.put(key, data)

    async def _discard(self, job: PlannedJob) -> None:
        """Leave nothing of a stopped job behind, and say again how it ended. If storage is down,
        the watchdog deletes the objects later (the job stays marked not cleaned).

        A job can also stop by completing without this worker (its chunk lease ran out and another
        replica finished the chunk): then the artifact stays and only a part this worker wrote late
        goes."""
        if await self._store.job_status(job.job_id) == "failed":
            await self._delete_objects(job)
        else:
            try:
                await self._delete_parts(job)
            except Exception as exc:  # a stray part of a completed job is not worth a retry loop
                if not is_transient_s3_error(exc):
                    raise
                log.warning("could not delete a late part (%s)", exc, extra={"job_id": job.job_id})
        final = await self._store.get_job(job.job_id)
        assert final is not None
        await reemit_outcome(self._emitter, final)
        log.info("stopped: job is %s", final.status, extra={"job_id": job.job_id})

    async def _delete_objects(self, job: PlannedJob) -> None:
        try:
            await self._storage.delete_job_objects(organization_id=job.organization_id, job_id=job.job_id)
            await self._store.mark_cleaned(job.job_id)
        except Exception as exc:
            if not is_transient_s3_error(exc):
                raise
            log.warning(
                "could not delete the objects of a stopped job now (%s); the watchdog will",
                exc,
                extra={"job_id": job.job_id},
            )

    async def _fail(self, job: PlannedJob, error: str) -> None:
        if await self._store.fail_job(job_id=job.job_id, error=error):
            JOBS_FINISHED.labels("failed").inc()
        await self._discard(job)

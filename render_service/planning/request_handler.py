"""Entry point for `label-export.requested`: validate, plan once, hand out chunk tasks.

A message that is not a CloudEvent, or a request without a usable `job_id` or `organization_id`,
goes to the DLQ (raised as InvalidMessage). A request whose content is invalid, names an unknown
organization, or reuses the job id of another organization's job ends as a `failed` event naming
the request's organization, so whoever published it learns why (tenancy: the owner's job is never
touched). Re-delivery is harmless: planning happens once, and chunk tasks for unfinished chunks
are simply published again.
"""

from __future__ import annotations

import logging
import uuid
import zlib
from collections.abc import Awaitable, Callable

from labelkit.export_spec import InvalidExportSpec
from render_service.chunks.ports import JobEvents, ObjectStorage
from render_service.chunks.task import ChunkTask
from render_service.outcomes import reemit_outcome
from render_service.planning.inline_cost import estimated_seconds
from render_service.planning.ports import ChunkTasks, PlanStore
from shared import events
from shared.consumer import Record
from shared.org_limits import OrgLimitExceeded
from shared.ownership import conflict_error, foreign_reason

log = logging.getLogger(__name__)


class RequestHandler:
    def __init__(
        self,
        *,
        store: PlanStore,
        emitter: JobEvents,
        tasks: ChunkTasks,
        storage: ObjectStorage,
        render_inline: Callable[[str, int], Awaitable[None]],
        chunk_size: int,
        replicas: Callable[[], int | None],
        inline_max_items: int,
        inline_max_cpu_seconds: float,
    ) -> None:
        self._store = store
        self._emitter = emitter
        self._tasks = tasks
        self._storage = storage
        # The chunk worker's run_chunk: a small cheap job's one chunk, rendered right here.
        self._render_inline = render_inline
        self._inline_max_items = inline_max_items
        self._inline_max_cpu_seconds = inline_max_cpu_seconds
        self._chunk_size = chunk_size
        self._replicas = replicas

    async def handle(self, record: Record) -> None:
        event = events.decode(record.value)
        if event.type == events.CANCEL_REQUESTED_V1:
            await self._cancel(events.parse_data(event))
            return
        if event.type != events.REQUESTED_V1:
            raise events.InvalidMessage(f"unexpected event type {event.type!r} on the requests topic")
        job_id, organization_id = events.job_and_organization(event.data)
        # Tenancy: a job id belongs to the first organization that used it. Checked before the
        # request's content, so another organization learns nothing of the job but that it exists.
        existing = await self._store.get_job(job_id)
        if existing is not None and existing.organization_id != organization_id:
            await self._refuse_reused_id(job_id, organization_id)
            return
        try:
            request = events.parse_request(event)
        except InvalidExportSpec as exc:
            # The first few problems: a request with 10,000 bad ids must not make a huge event.
            reasons = "; ".join(f"{e.field}: {e.message}" for e in exc.errors[:5])
            await self._refuse(job_id, organization_id, f"invalid request: {reasons}")
            return
        except ValueError as exc:
            # Poison isolation: whatever else the request's own content makes validation raise (a
            # ValueError of a sizing table) is the request's fault, so the job ends `failed` saying
            # why; retrying or dead-lettering cannot fix it.
            await self._refuse(job_id, organization_id, f"invalid request: {exc}")
            return
        spec = request.spec
        log_extra = {"job_id": job_id, "organization_id": str(request.organization_id)}

        if existing is None:
            if not await self._store.organization_exists(request.organization_id):
                await self._refuse(job_id, organization_id, f"unknown organization {request.organization_id}")
                return
            try:
                planned = await self._store.plan_job(
                    job_id=job_id,
                    organization_id=request.organization_id,
                    spec=spec,
                    chunk_size=self._chunk_size,
                    spread=await self._spread(),
                )
            except OrgLimitExceeded as exc:
                # Over a limit of its organization: the same message as the API's refusal; recorded,
                # so a re-delivery says it again rather than planning once the load has gone down.
                await self._store.record_refused(
                    job_id=job_id, organization_id=request.organization_id, spec=spec, error=exc.message
                )
                await self._refuse(job_id, organization_id, exc.message)
                return
            if planned:
                log.info("planned job", extra=log_extra)
            existing = await self._store.get_job(job_id)
            assert existing is not None
            # A request naming this id for another organization, keyed differently (so on another
            # partition), may have planned it first: then this one is the later one.
            if existing.organization_id != organization_id:
                await self._refuse_reused_id(job_id, organization_id)
                return
        if existing.status in ("completed", "failed"):
            await reemit_outcome(self._emitter, existing)
            return
        await self._emitter.started(job_id, existing.organization_id, existing.total_items)
        small = existing.chunk_count == 1 and existing.total_items <= self._inline_max_items
        cost = estimated_seconds(spec, items=existing.total_items) if small else 0.0
        if small and cost <= self._inline_max_cpu_seconds:
            # Small cheap jobs skip the fan-out: no second hop through Kafka, no queue behind big
            # chunks.
            await self._render_inline(job_id, 0)
        else:
            if small:
                # An expensive small job would hold this planner, and every organization behind it.
                log.info("chunk path: estimated %.1f CPU-s, over the inline budget", cost, extra=log_extra)
            await self._hand_out_chunks(job_id, existing.chunk_count)

    async def _spread(self) -> int:
        """A job's chunk count is a multiple of this: the render replicas sharing the chunks (every
        one an equal share, chunks as big as that allows), or while unknown the chunks topic's
        partitions (more replicas than partitions would idle anyway)."""
        partitions = len(await self._tasks.partitions()) or 1
        replicas = self._replicas()
        return min(replicas, partitions) if replicas else partitions

    async def _hand_out_chunks(self, job_id: str, chunk_count: int) -> None:
        partitions = await self._tasks.partitions()
        # Consecutive chunks go to consecutive partitions (from a per-job start), so one job's
        # chunks reach every partition — and with round-robin assignment every replica
        # (docs/design.md#scaling-one-job).
        start = zlib.crc32(job_id.encode())
        pending = await self._store.pending_chunks(job_id)
        if not pending and chunk_count > 1:
            # Every chunk is done but the job is not: its assembler died. A task for the last
            # chunk makes a worker claim the assembly once that lease has run out.
            pending = [chunk_count - 1]
        for index in pending:
            task = ChunkTask(job_id=job_id, chunk_index=index, chunk_count=chunk_count)
            await self._tasks.send(task, partition=partitions[(start + index) % len(partitions)])
        await self._tasks.flush()

    async def _cancel(self, data: events.JobData) -> None:
        """Final at once; a worker rendering the job notices within a progress tick and cleans up.

        Scoped by organization (tenancy): a cancel naming another organization than the job's goes
        to the DLQ and changes nothing. A cancel for a job not planned here yet plans nothing and
        records nothing (so it cannot claim the job id either): its `failed` event names the
        cancel's organization, and the API's projection applies it only to a job of that one.
        """
        assert isinstance(data, events.CancelRequested)
        job = await self._store.get_job(data.job_id)
        if job is not None:
            if job.organization_id != data.organization_id:
                raise events.InvalidMessage(foreign_reason(events.CANCEL_REQUESTED_V1, data))
            await self._store.fail_job(job_id=data.job_id, error=events.CANCELLED_ERROR)
            await self._storage.delete_job_objects(organization_id=job.organization_id, job_id=data.job_id)
            job = await self._store.get_job(data.job_id)
            assert job is not None
            await reemit_outcome(self._emitter, job)
        else:
            await self._emitter.failed(data.job_id, data.organization_id, events.CANCELLED_ERROR)
        log.info("job cancelled", extra={"job_id": data.job_id, "organization_id": str(data.organization_id)})

    async def _refuse_reused_id(self, job_id: str, organization_id: uuid.UUID) -> None:
        """A request reusing the id of another organization's job: its publisher gets a `failed`
        event naming the conflict, under its own organization, which the owner's job never takes
        (docs/events.md#a-job-id-belongs-to-one-organization). The owner's job is untouched."""
        log.warning(
            "refused a request reusing another organization's job id",
            extra={"job_id": job_id, "organization_id": str(organization_id)},
        )
        await self._emitter.failed(job_id, organization_id, conflict_error(job_id))

    async def _refuse(self, job_id: str, organization_id: uuid.UUID, reason: str) -> None:
        reason = reason[: events.MAX_ERROR_CHARS]  # the failed event and this log line stay small
        log.info(
            "refused request: %s", reason, extra={"job_id": job_id, "organization_id": str(organization_id)}
        )
        await self._emitter.failed(job_id, organization_id, reason)

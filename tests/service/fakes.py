"""In-memory fakes of the chunk worker's and the planner's ports: the same rules as the PostgreSQL,
S3 and Kafka adapters (leases with a clock, status transitions only from live states, assembly
claimed once, a job planned once), kept in dicts so the decisions run in-process in milliseconds.
Pure logic, no I/O."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import inspect
import uuid
from collections import Counter
from collections.abc import Sequence

from labelkit.export_spec import AssetConfig, ExportSpec
from labelkit.ids import new_job_id
from render_service.chunks.part_keys import part_keys
from render_service.chunks.pipeline import PartSidecar, ProgressCallback, RenderFailure
from render_service.chunks.task import ChunkTask
from render_service.domain.models import LIVE, Chunk, Output, PlannedJob, StoredArtifact
from render_service.planning.chunking import chunk_alignment, chunk_bounds
from shared import events
from shared.org_limits import OrgLimits, check_job_size


class Clock:
    """Seconds since the fake world began; tests move it forward by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclasses.dataclass
class ChunkRow:
    chunk: Chunk
    lease_token: str | None = None
    lease_until: float = 0.0
    rendered_by: str | None = None


class FakeStore:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.jobs: dict[str, PlannedJob] = {}
        self.chunks: dict[str, list[ChunkRow]] = {}
        self.assembly_lease_until: dict[str, float] = {}
        self.print_history: list[tuple[str, int, int]] = []
        self.cleaned: set[str] = set()
        # The catalog as the planner's snapshot sees it: how many items an organization's export
        # selects (filters are the snapshot query's business, tested against PostgreSQL).
        self.catalog: dict[uuid.UUID, int] = {}
        # An organization's max_items_per_job, as PostgreSQL's plan_job enforces it (shared rule).
        self.max_items_per_job: dict[uuid.UUID, int] = {}

    def plan(
        self,
        *,
        items: int,
        chunk_size: int,
        export_type: str = "datamatrix",
        organization_id: uuid.UUID | None = None,
    ) -> PlannedJob:
        job_id = new_job_id()
        count = -(-items // chunk_size)
        job = PlannedJob(
            job_id=job_id,
            organization_id=organization_id or uuid.uuid4(),
            output=Output(
                scope="serials",
                export_type=export_type,  # type: ignore[arg-type]
                file_format="png",
                asset_config=AssetConfig(),
            ),
            status="rendering",
            total_items=items,
            chunk_count=count,
            planned_at=dt.datetime(2026, 12, 3, tzinfo=dt.UTC) + dt.timedelta(seconds=len(self.jobs)),
            error=None,
            artifact=None,
        )
        self.jobs[job_id] = job
        self.chunks[job_id] = [
            ChunkRow(Chunk(i, i * chunk_size, min(items, (i + 1) * chunk_size), "pending", None))
            for i in range(count)
        ]
        return job

    # -- the planner's port -----------------------------------------------------------------------
    async def organization_exists(self, organization_id: uuid.UUID) -> bool:
        return organization_id in self.catalog

    async def plan_job(
        self, *, job_id: str, organization_id: uuid.UUID, spec: ExportSpec, chunk_size: int, spread: int
    ) -> bool:
        if job_id in self.jobs:
            return False
        total = self.catalog[organization_id]
        if organization_id in self.max_items_per_job:
            limit = self.max_items_per_job[organization_id]
            check_job_size(OrgLimits(max_items_per_job=limit, max_open_jobs=1, max_open_items=limit), total)
        bounds = chunk_bounds(total, chunk_size, align=chunk_alignment(spec), spread=spread)
        output = Output(spec.scope, spec.export_type, spec.file_format, spec.asset_config)
        self.jobs[job_id] = PlannedJob(
            job_id,
            organization_id,
            output,
            "rendering",
            total,
            len(bounds),
            dt.datetime.now(dt.UTC),
            None,
            None,
        )
        self.chunks[job_id] = [
            ChunkRow(Chunk(i, first, end, "pending", None)) for i, (first, end) in enumerate(bounds)
        ]
        return True

    async def record_refused(
        self, *, job_id: str, organization_id: uuid.UUID, spec: ExportSpec, error: str
    ) -> None:
        output = Output(spec.scope, spec.export_type, spec.file_format, spec.asset_config)
        self.jobs.setdefault(
            job_id,
            PlannedJob(job_id, organization_id, output, "failed", 0, 0, dt.datetime.now(dt.UTC), error, None),
        )
        self.chunks.setdefault(job_id, [])

    async def pending_chunks(self, job_id: str) -> list[int]:
        return [row.chunk.chunk_index for row in self.chunks[job_id] if row.chunk.status == "pending"]

    def finish_chunk(self, job_id: str, chunk_index: int) -> None:
        """Another replica rendered this chunk."""
        row = self.chunks[job_id][chunk_index]
        row.chunk = dataclasses.replace(row.chunk, status="done", part_size=1)

    def _set(self, job_id: str, **changes: object) -> None:
        self.jobs[job_id] = dataclasses.replace(self.jobs[job_id], **changes)  # type: ignore[arg-type]

    async def get_job(self, job_id: str) -> PlannedJob | None:
        return self.jobs.get(job_id)

    async def job_status(self, job_id: str) -> str | None:
        job = self.jobs.get(job_id)
        return None if job is None else job.status

    async def get_chunk(self, job_id: str, chunk_index: int) -> Chunk | None:
        rows = self.chunks.get(job_id, [])
        return rows[chunk_index].chunk if chunk_index < len(rows) else None

    async def chunks_of(self, job_id: str) -> list[Chunk]:
        return [row.chunk for row in self.chunks[job_id]]

    async def take_chunk_lease(
        self, *, job_id: str, chunk_index: int, token: str, seconds: float
    ) -> tuple[str, float]:
        row = self.chunks[job_id][chunk_index]
        if row.chunk.status == "done":
            return "done", 0.0
        if row.lease_token in (None, token) or row.lease_until < self.clock.now:
            row.lease_token, row.lease_until = token, self.clock.now + seconds
            return "taken", 0.0
        return "held", row.lease_until - self.clock.now

    async def take_waiting_chunk(
        self, *, prefer: tuple[str, int], token: str, seconds: float
    ) -> tuple[str, int] | None:
        """The PostgreSQL query's rule: the organization with the fewest chunks in flight, then
        the preferred chunk, then the oldest job, then chunk order; nothing once `prefer` is done."""
        own_job = self.jobs.get(prefer[0])
        own = self.chunks.get(prefer[0], [])
        if own_job is None or own_job.status != "rendering" or own[prefer[1]].chunk.status != "pending":
            return None
        live = [
            (job, row)
            for job_id, rows in self.chunks.items()
            for row in rows
            if (job := self.jobs[job_id]).status == "rendering" and row.chunk.status == "pending"
        ]
        in_flight = Counter(
            job.organization_id
            for job, row in live
            if row.lease_until >= self.clock.now and row.lease_token is not None
        )
        waiting = [
            (job, row) for job, row in live if row.lease_token is None or row.lease_until < self.clock.now
        ]
        if not waiting:
            return None
        job, row = min(
            waiting,
            key=lambda w: (
                in_flight[w[0].organization_id],
                (w[0].job_id, w[1].chunk.chunk_index) != prefer,
                w[0].planned_at,
                w[0].job_id,
                w[1].chunk.chunk_index,
            ),
        )
        row.lease_token, row.lease_until = token, self.clock.now + seconds
        return job.job_id, row.chunk.chunk_index

    async def renew_chunk_lease(self, *, job_id: str, chunk_index: int, token: str, seconds: float) -> bool:
        row = self.chunks[job_id][chunk_index]
        if row.lease_token != token or row.chunk.status != "pending":
            return False
        row.lease_until = self.clock.now + seconds
        return True

    async def mark_chunk_done(
        self, *, job_id: str, chunk_index: int, part_key: str, part_size: int, rendered_by: str
    ) -> bool:
        row = self.chunks[job_id][chunk_index]
        if row.chunk.status == "done":
            return False
        row.chunk = dataclasses.replace(row.chunk, status="done", part_size=part_size)
        row.rendered_by = rendered_by
        return True

    async def done_item_count(self, job_id: str) -> int:
        return sum(r.chunk.item_count for r in self.chunks[job_id] if r.chunk.status == "done")

    async def record_print_history(self, *, job_id: str, first: int, end: int) -> None:
        entry = (job_id, first, end)
        if entry not in self.print_history:  # once, whatever the retries
            self.print_history.append(entry)

    async def claim_assembly(self, job_id: str, *, lease_seconds: float) -> bool:
        job = self.jobs[job_id]
        expired = job.status == "assembling" and self.assembly_lease_until[job_id] < self.clock.now
        all_done = all(r.chunk.status == "done" for r in self.chunks[job_id])
        if all_done and (job.status == "rendering" or expired):
            self._set(job_id, status="assembling")
            self.assembly_lease_until[job_id] = self.clock.now + lease_seconds
            return True
        return False

    async def complete_job(
        self,
        *,
        job_id: str,
        artifact_key: str,
        output_filename: str,
        file_size_bytes: int,
        content_type: str,
        sha256: str,
    ) -> bool:
        if self.jobs[job_id].status not in LIVE:
            return False
        artifact = StoredArtifact(artifact_key, output_filename, file_size_bytes, content_type, sha256)
        self._set(job_id, status="completed", artifact=artifact)
        return True

    async def fail_job(self, *, job_id: str, error: str) -> bool:
        if self.jobs[job_id].status not in LIVE:
            return False
        self._set(job_id, status="failed", error=error)
        return True

    async def mark_cleaned(self, job_id: str) -> None:
        self.cleaned.add(job_id)
        self.print_history = [h for h in self.print_history if h[0] != job_id]

    # What other replicas do meanwhile.
    def complete_elsewhere(self, job_id: str) -> None:
        for row in self.chunks[job_id]:
            row.chunk = dataclasses.replace(row.chunk, status="done", part_size=1)
        artifact = StoredArtifact(f"exports/{job_id}/a.zip", "a.zip", 1, "application/zip", "0" * 64)
        self._set(job_id, status="completed", artifact=artifact)

    def cancel(self, job_id: str) -> None:
        self._set(job_id, status="failed", error=events.CANCELLED_ERROR)


class FakeUpload:
    def __init__(self, storage: FakeStorage, key: str) -> None:
        self._storage = storage
        self.key = key
        self.data = bytearray()

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.data += data
        return len(data)

    async def pump(self) -> None:
        return None

    async def finish(self) -> None:
        self._storage.objects[self.key] = bytes(self.data)

    async def abort(self) -> None:
        self._storage.aborted.append(self.key)


class FakeStorage:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.aborted: list[str] = []

    def upload(self, key: str, *, content_type: str, disposition: str | None) -> FakeUpload:
        return FakeUpload(self, key)

    async def put(self, key: str, data: bytes) -> None:
        self.objects[key] = data

    async def delete_prefix(self, prefix: str) -> None:
        for key in [k for k in self.objects if k.startswith(prefix)]:
            del self.objects[key]

    async def delete_job_objects(self, *, organization_id: uuid.UUID, job_id: str) -> None:
        await self.delete_prefix(f"exports/{organization_id}/{job_id}/")


class FakeRenderer:
    """Writes one line per item, reporting progress per item; `before_item` lets a test act
    mid-render (another replica completing the job, a cancel, a stall while another worker takes
    the chunk over: an action may be async), `fail_with` a bad label."""

    def __init__(self) -> None:
        self.rendered: list[tuple[str, int]] = []  # (job_id, chunk_index), in render order
        self.before_item: dict[tuple[str, int], object] = {}
        self.fail_with: str | None = None

    async def render(
        self, *, job: PlannedJob, chunk: Chunk, sink: FakeUpload, on_progress: ProgressCallback, whole: bool
    ) -> PartSidecar | None:
        self.rendered.append((job.job_id, chunk.chunk_index))
        if self.fail_with:
            raise RenderFailure(self.fail_with)
        for n, seq in enumerate(range(chunk.first_seq, chunk.end_seq), start=1):
            action = self.before_item.get((job.job_id, seq))
            if callable(action) and inspect.isawaitable(result := action()):
                await result
            sink.write(f"{seq}\n".encode())
            await on_progress(n)
        return None if whole else PartSidecar(records=b"r", manifest=b"m")


class FakeJoiner:
    def __init__(self, storage: FakeStorage) -> None:
        self.storage = storage
        self.joined: list[str] = []

    async def join(self, *, job: PlannedJob, chunks: Sequence[Chunk], into: FakeUpload) -> None:
        self.joined.append(job.job_id)
        for chunk in chunks:  # in chunk order, as the real joiner
            into.write(
                self.storage.objects[part_keys(job.organization_id, job.job_id, chunk.chunk_index).data]
            )


class FakeEvents:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, tuple[object, ...]]] = []  # (kind, job_id, details)
        self.organizations: list[tuple[str, uuid.UUID]] = []  # (job_id, organization_id) of each event

    async def emit(self, data: events.ExportCompleted) -> None:
        self.sent.append(("completed", data.job_id, (data.key, data.total_items)))
        self.organizations.append((data.job_id, data.organization_id))

    async def started(self, job_id: str, organization_id: uuid.UUID, total: int) -> None:
        self.sent.append(("started", job_id, (total,)))
        self.organizations.append((job_id, organization_id))

    async def progress(self, job_id: str, organization_id: uuid.UUID, processed: int, total: int) -> None:
        self.sent.append(("progress", job_id, (processed, total)))
        self.organizations.append((job_id, organization_id))

    async def failed(self, job_id: str, organization_id: uuid.UUID, error: str) -> None:
        self.sent.append(("failed", job_id, (error,)))
        self.organizations.append((job_id, organization_id))

    def of(self, kind: str, job_id: str) -> list[tuple[object, ...]]:
        return [details for k, j, details in self.sent if k == kind and j == job_id]


class FakeChunkTasks:
    """The chunks topic: the tasks sent, with their partition, in order."""

    def __init__(self, partitions: int) -> None:
        self._partitions = list(range(partitions))
        self.sent: list[tuple[ChunkTask, int]] = []
        self.flushes = 0

    async def partitions(self) -> list[int]:
        return list(self._partitions)

    async def send(self, task: ChunkTask, *, partition: int) -> None:
        self.sent.append((task, partition))

    async def flush(self) -> None:
        self.flushes += 1

"""Renders a range of a job's snapshot into an archive, streaming.

Items flow from a server-side cursor in batches to the process pool (≤ `batches_in_flight` at
once, results taken in order), and each finished batch goes straight into the archive writer,
whose bytes go to the upload sink. Memory is bounded by the batches in flight plus one upload part
plus the chunk's manifest (invariant 5); the event loop only moves bytes (invariant 6).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor
from typing import Any, Protocol

import asyncpg

from render_service.adapters import jobs_repo
from render_service.artifacts import ArtifactPlan
from render_service.rendering.batch import LabelDataError, RenderedLabel, RenderSpec, render_batch
from render_service.rendering.entries import manifest_header, manifest_csv
from render_service.rendering.zipstream import ZipStreamWriter

MANIFEST_NAME = "manifest.csv"


class RenderFailure(Exception):
    """The job cannot be rendered (bad item data, unsupported output): it fails with this message."""


class Sink(Protocol):
    def write(self, data: bytes | bytearray | memoryview) -> int: ...


ProgressCallback = Callable[[int], Awaitable[None]]


def render_spec(request: Mapping[str, Any]) -> RenderSpec:
    try:
        return RenderSpec.from_job(request["export_type"], request["file_format"], request.get("asset_config"))
    except ValueError as exc:
        raise RenderFailure(str(exc)) from None


class RenderPipeline:
    def __init__(self, *, executor: Executor, batch_size: int, batches_in_flight: int) -> None:
        self._executor = executor
        self._batch_size = batch_size
        self._in_flight = batches_in_flight

    async def render(
        self,
        conn: asyncpg.Connection,
        *,
        job: Mapping[str, Any],
        chunk: Mapping[str, Any],
        plan: ArtifactPlan,
        sink: Sink,
        on_progress: ProgressCallback,
    ) -> None:
        if plan.is_pdf:
            raise RenderFailure("sheet_pdf output is not available in this version")
        spec = render_spec(job["request"])
        writer = ZipStreamWriter(sink.write, timestamp=job["planned_at"])
        manifest = bytearray(manifest_header())
        loop = asyncio.get_running_loop()
        pending: deque[asyncio.Future[list[RenderedLabel]]] = deque()
        done = 0

        async def drain_one() -> None:
            nonlocal done
            try:
                labels = await pending.popleft()
            except LabelDataError as exc:
                raise RenderFailure(f"cannot encode {exc}") from None
            for label in labels:
                for file in label.files:
                    writer.add(file.name, file.data, compress=file.compress)
            manifest.extend(manifest_csv([row for label in labels for row in label.manifest_rows], header=False))
            done += len(labels)
            await on_progress(done)

        try:
            async for items in jobs_repo.iter_items(
                conn, job["job_id"], chunk["first_seq"], chunk["end_seq"], batch=self._batch_size
            ):
                pending.append(loop.run_in_executor(self._executor, render_batch, items, spec))
                if len(pending) >= self._in_flight:
                    await drain_one()
            while pending:
                await drain_one()
        finally:
            for future in pending:
                future.cancel()
        writer.add(MANIFEST_NAME, bytes(manifest), compress=True)
        writer.finish()

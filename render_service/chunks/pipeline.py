"""Renders a range of a job's snapshot into an archive, streaming.

Items flow from a server-side cursor in batches to the process pool (≤ `batches_in_flight` at
once, results taken in order), and each finished batch goes straight into the archive writer,
whose bytes go to the upload sink. Memory is bounded by the batches in flight plus one upload part
plus the chunk's manifest (bounded memory); the event loop only moves bytes (unblocked event loop).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from labelkit.rendering.batch import LabelDataError, RenderSpec
from labelkit.rendering.entries import MANIFEST_NAME, manifest_header
from labelkit.rendering.model import ItemRow
from labelkit.rendering.pdf import HEADER, LabelDoesNotFit, PartInfo, write_trailer
from labelkit.rendering.printer import PrinterSetup
from labelkit.rendering.printer_batch import render_printer_rows
from labelkit.rendering.sheet_batch import SheetSpec, render_sheet_rows
from labelkit.rendering.zip.deflate_pieces import DeflatedPiece, deflate_piece, join
from labelkit.rendering.zip.part_records import pack_record_batches
from labelkit.rendering.zip.writer import CentralDirectoryWriter, ZipStreamWriter
from labelkit.rendering.zip_batch import ZipBatch, render_zip_batch
from labelkit.thermal_spec import printer_setup
from render_service.adapters import jobs_repo
from render_service.domain.models import Chunk, Output, PlannedJob
from render_service.fair_pool import FairPool
from render_service.metrics import ITEMS_RENDERED, RENDER_SECONDS_PER_ITEM


class RenderFailure(Exception):
    """The job cannot be rendered (bad item data, a label that does not fit): it fails with this."""


class Sink(Protocol):
    def write(self, data: bytes | bytearray | memoryview) -> int: ...


ProgressCallback = Callable[[int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PartSidecar:
    """What assembly needs besides a part's bytes: ZIP records (`zip_parts`) and the deflated
    manifest rows (`DeflatedPiece.to_bytes`), or PDF parts."""

    records: bytes = b""
    manifest: bytes = b""
    pdf_parts: tuple[PartInfo, ...] = ()


class _Archive(Protocol):
    """One output kind: what a pool task computes, and how its results become archive bytes.

    `whole=True` writes a complete artifact (a one-chunk job); otherwise the chunk's part, whose
    `finish` returns the sidecar assembly needs.
    """

    def batch_size(self, target: int) -> int: ...
    def submit(
        self,
        loop: asyncio.AbstractEventLoop,
        executor: Executor,
        rows: Sequence[ItemRow],
        first_index: int,
    ) -> asyncio.Future[Any]: ...
    def add(self, result: Any) -> int: ...
    def finish(self) -> PartSidecar | None: ...


class ZipArchive:
    """Symbol files plus `manifest.csv`: PNG entries stored, text formats deflated.

    Workers return each batch as finished ZIP bytes (`render_zip_batch`), its records and its
    deflated manifest rows; this only appends the bytes and keeps the rest, noting where each
    batch landed (its records move there once, when the central directory is written).
    """

    def __init__(self, sink: Sink, spec: RenderSpec, timestamp: dt.datetime, *, whole: bool) -> None:
        self._sink = sink
        self._spec = spec
        self._timestamp = timestamp
        self._whole = whole
        self._offset = 0  # bytes of entries written so far (from this archive's first byte)
        self._records: list[tuple[int, bytes]] = []  # (where the batch starts, its records)
        self._manifest: list[DeflatedPiece] = [deflate_piece(manifest_header())] if whole else []

    def batch_size(self, target: int) -> int:
        return target

    def submit(
        self,
        loop: asyncio.AbstractEventLoop,
        executor: Executor,
        rows: Sequence[ItemRow],
        first_index: int,
    ) -> asyncio.Future[ZipBatch]:
        return loop.run_in_executor(executor, render_zip_batch, rows, self._spec, self._timestamp)

    def add(self, result: ZipBatch) -> int:
        self._sink.write(result.entries)
        self._records.append((self._offset, result.records))
        self._offset += len(result.entries)
        self._manifest.append(result.manifest)
        return result.count

    def finish(self) -> PartSidecar | None:
        if not self._whole:
            return PartSidecar(
                records=pack_record_batches(self._records), manifest=join(self._manifest).to_bytes()
            )
        tail = ZipStreamWriter(self._sink.write, timestamp=self._timestamp, offset=self._offset)
        tail.add_deflated(MANIFEST_NAME, join(self._manifest))
        directory = CentralDirectoryWriter(self._sink.write, offset=tail.offset)
        for offset, records in self._records:
            directory.add_records(records, delta=offset)
        directory.add_records(tail.records())
        directory.finish()
        return None


class PdfArchive:
    """Sheet pages written as page-aligned parts, then one page tree, xref and trailer."""

    def __init__(self, sink: Sink, spec: SheetSpec, *, whole: bool) -> None:
        self._sink = sink
        self._spec = spec
        self._whole = whole
        self._parts: list[PartInfo] = []
        if whole:
            sink.write(HEADER)

    def batch_size(self, target: int) -> int:
        return self._spec.batch_size(target)

    def submit(
        self,
        loop: asyncio.AbstractEventLoop,
        executor: Executor,
        rows: Sequence[ItemRow],
        first_index: int,
    ) -> asyncio.Future[tuple[bytes, PartInfo]]:
        return loop.run_in_executor(executor, render_sheet_rows, rows, self._spec, first_index)

    def add(self, result: tuple[bytes, PartInfo]) -> int:
        data, part = result
        self._sink.write(data)
        self._parts.append(part)
        return part.label_count

    def finish(self) -> PartSidecar | None:
        if not self._whole:
            return PartSidecar(pdf_parts=tuple(self._parts))
        if not self._parts:
            raise RenderFailure("no labels to print: the filters matched no active entity")
        write_trailer(self._parts, self._sink)
        return None


class PrinterArchive:
    """Printer-language blocks (ZPL, ...), one per label: a part is its blocks, and parts join by
    plain concatenation, so a part needs no sidecar (`finish` returns None whole or not)."""

    def __init__(self, sink: Sink, setup: PrinterSetup, file_format: str) -> None:
        self._sink = sink
        self._setup = setup
        self._file_format = file_format
        self._count = 0

    def batch_size(self, target: int) -> int:
        return target

    def submit(
        self,
        loop: asyncio.AbstractEventLoop,
        executor: Executor,
        rows: Sequence[ItemRow],
        first_index: int,
    ) -> asyncio.Future[tuple[bytes, int]]:
        return loop.run_in_executor(executor, render_printer_rows, rows, self._setup, self._file_format)

    def add(self, result: tuple[bytes, int]) -> int:
        data, count = result
        self._sink.write(data)
        self._count += count
        return count

    def finish(self) -> PartSidecar | None:
        if not self._count:
            raise RenderFailure("no labels to print: the filters matched no active entity")
        return None


def open_archive(output: Output, sink: Sink, timestamp: dt.datetime, *, whole: bool) -> _Archive:
    try:
        if output.export_type == "sheet_pdf":
            return PdfArchive(sink, SheetSpec.from_job(output.asset_config), whole=whole)
        if output.export_type == "thermal_labels":
            return PrinterArchive(sink, printer_setup(output.asset_config), output.file_format)
        render_spec = RenderSpec.from_job(output.export_type, output.file_format, output.asset_config)
        return ZipArchive(sink, render_spec, timestamp, whole=whole)
    except ValueError as exc:
        raise RenderFailure(str(exc)) from None


class RenderPipeline:
    """The chunk worker's `ChunkRenderer` port: the snapshot's cursor through the process pool."""

    def __init__(
        self, *, pool: asyncpg.Pool, executor: FairPool, batch_size: int, batches_in_flight: int
    ) -> None:
        self._pool = pool
        self._executor = executor
        self._batch_size = batch_size
        self._in_flight = batches_in_flight

    async def render(
        self,
        *,
        job: PlannedJob,
        chunk: Chunk,
        sink: Sink,
        on_progress: ProgressCallback,
        whole: bool,
    ) -> PartSidecar | None:
        """Render the chunk into `sink`: the whole artifact, or (`whole=False`) the chunk's part."""
        archive = open_archive(job.output, sink, job.planned_at, whole=whole)
        loop = asyncio.get_running_loop()
        # The pool is shared fairly between organizations: this job's batches run as its own.
        executor = self._executor.lane(job.organization_id)
        pending: deque[tuple[asyncio.Future[Any], float]] = deque()
        done = 0
        next_index = chunk.first_seq

        items_rendered = ITEMS_RENDERED.labels(job.output.export_type, job.output.file_format)
        seconds_per_item = RENDER_SECONDS_PER_ITEM.labels(job.output.export_type)

        async def drain_one() -> None:
            nonlocal done
            future, submitted = pending.popleft()
            try:
                result = await future
            except (LabelDataError, LabelDoesNotFit) as exc:
                raise RenderFailure(f"cannot render {exc}") from None
            count = archive.add(result)
            if count:
                items_rendered.inc(count)
                seconds_per_item.observe((time.perf_counter() - submitted) / count)
            done += count
            await on_progress(done)

        try:
            async with self._pool.acquire() as conn:
                async for rows in jobs_repo.iter_items(
                    conn,
                    job.job_id,
                    chunk.first_seq,
                    chunk.end_seq,
                    batch=archive.batch_size(self._batch_size),
                ):
                    pending.append((archive.submit(loop, executor, rows, next_index), time.perf_counter()))
                    next_index += len(rows)
                    if len(pending) >= self._in_flight:
                        await drain_one()
                while pending:
                    await drain_one()
        finally:
            for future, _ in pending:
                future.cancel()
        return archive.finish()

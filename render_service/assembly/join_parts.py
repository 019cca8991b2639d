"""Joins a multi-chunk job's parts into the final artifact, streaming (docs/design.md#scaling-one-job).

ZIP: the parts' bytes in order, then `manifest.csv` (the chunks' rows, deflated by the pool tasks
that made them, joined), then one central directory built from every chunk's records moved to the
part's absolute start (by the process pool, a part at a time).
PDF: the constant header, the parts' bytes in order, then one page tree, xref and trailer from
the parts' object tables. Parts of 5 MiB and more join by server-side part copy, and are only read
(once, for the SHA-256); smaller ones stream through. Nothing is rendered again; memory holds one
piece, one upload part and one chunk's sidecar at a time (bounded memory).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Literal

import orjson

from labelkit.rendering.entries import MANIFEST_NAME, manifest_header
from labelkit.rendering.pdf import HEADER, PartInfo, write_trailer
from labelkit.rendering.printer.registry import printer_formats
from labelkit.rendering.zip.deflate_pieces import DeflatedPiece
from labelkit.rendering.zip.part_records import directory_piece
from labelkit.rendering.zip.writer import CentralDirectoryWriter, ZipStreamWriter
from render_service.adapters.artifact_store import S3StreamUpload, read_object
from render_service.chunks.part_keys import PartKeys, part_keys
from render_service.domain.models import Chunk, PlannedJob
from render_service.fair_pool import FairPool

if TYPE_CHECKING:
    from render_service.chunks.ports import Upload


class S3PartJoiner:
    """The chunk worker's `PartJoiner` port: parts in S3 joined into an S3 streaming upload."""

    def __init__(self, client: Any, *, bucket: str, pool: FairPool) -> None:
        self._client = client
        self._bucket = bucket
        self._pool = pool

    async def join(self, *, job: PlannedJob, chunks: Sequence[Chunk], into: Upload) -> None:
        # Parts are copied server-side into the upload: only an S3 upload can take them.
        assert isinstance(into, S3StreamUpload), "parts in S3 join into an S3 upload"
        await assemble_artifact(
            self._client,
            bucket=self._bucket,
            job=job,
            chunks=chunks,
            into=into,
            executor=self._pool.lane(job.organization_id),  # the pool's share of the job's organization
        )


PIECES_AHEAD = 4  # central-directory pieces (a part each, ~1.5 MB) the pool builds while this process streams


def assembly_kind(export_type: str, file_format: str) -> Literal["pdf", "concatenate", "zip"]:
    """How a job's parts become its artifact: a sheet PDF's trailer, a printer language's plain
    concatenation (any registered language), or a ZIP's central directory."""
    if export_type == "sheet_pdf":
        return "pdf"
    if export_type == "thermal_labels" and file_format in printer_formats():
        return "concatenate"
    return "zip"


async def assemble_artifact(
    client: Any,
    *,
    bucket: str,
    job: PlannedJob,
    chunks: Sequence[Chunk],
    into: S3StreamUpload,
    executor: Executor,
) -> None:
    keys = [part_keys(job.organization_id, job.job_id, c.chunk_index) for c in chunks]
    sizes = [int(c.part_size or 0) for c in chunks]  # every chunk is done before assembly
    kind = assembly_kind(job.output.export_type, job.output.file_format)
    if kind == "pdf":
        await _assemble_pdf(client, bucket=bucket, keys=keys, sizes=sizes, into=into)
    elif kind == "concatenate":
        # A printer document is its blocks concatenated: parts join as they are (server-side copy).
        for key, size in zip(keys, sizes, strict=True):
            await into.append_object(key.data, size)
        await into.pump()
    else:
        await _assemble_zip(
            client,
            bucket=bucket,
            keys=keys,
            sizes=sizes,
            into=into,
            executor=executor,
            timestamp=job.planned_at,
        )


async def _assemble_pdf(
    client: Any, *, bucket: str, keys: Sequence[PartKeys], sizes: Sequence[int], into: S3StreamUpload
) -> None:
    into.write(HEADER)
    infos: list[PartInfo] = []
    for key, size in zip(keys, sizes, strict=True):
        await into.append_object(key.data, size)
        infos += [
            PartInfo.from_json(p)
            for p in orjson.loads(await read_object(client, bucket=bucket, key=key.pdf_parts))
        ]
    write_trailer(infos, into)
    await into.pump()


async def _assemble_zip(
    client: Any,
    *,
    bucket: str,
    keys: Sequence[PartKeys],
    sizes: Sequence[int],
    into: S3StreamUpload,
    executor: Executor,
    timestamp: dt.datetime,
) -> None:
    """Parts, then manifest.csv joined from the chunks' deflated pieces, then the central directory.
    Where each part lands is known from the part sizes, so the pool builds the directory's pieces
    (a part each, a few ahead) while this process streams the parts and the manifest."""
    loop = asyncio.get_running_loop()
    starts = list(itertools.accumulate(sizes[:-1], initial=0))
    pieces: deque[asyncio.Future[tuple[bytes, int]]] = deque()
    upcoming = iter(range(len(keys)))

    async def build_next() -> None:
        index = next(upcoming, None)
        if index is not None:
            blob = await read_object(client, bucket=bucket, key=keys[index].records)
            pieces.append(loop.run_in_executor(executor, directory_piece, blob, starts[index]))

    for _ in range(PIECES_AHEAD):
        await build_next()
    for key, size in zip(keys, sizes, strict=True):
        await into.append_object(key.data, size)
    tail = ZipStreamWriter(into.write, timestamp=timestamp, offset=into.size)
    manifest = tail.begin_stream(MANIFEST_NAME, compress=True)
    manifest.write(manifest_header())
    for key in keys:
        manifest.write_deflated(
            DeflatedPiece.from_bytes(await read_object(client, bucket=bucket, key=key.manifest))
        )
        await into.pump()
    manifest.close()
    directory = CentralDirectoryWriter(into.write, offset=tail.offset)
    while pieces:
        directory.add_entries(*await pieces.popleft())
        await build_next()
        await into.pump()
    directory.add_records(tail.records())
    directory.finish()
    await into.pump()

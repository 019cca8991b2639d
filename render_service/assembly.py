"""Joins a multi-chunk job's parts into the final artifact, streaming (DESIGN §5).

ZIP: the parts' bytes in order, then `manifest.csv` (fed from the chunks' manifest rows), then
one central directory built from every chunk's records shifted by the part's absolute start.
PDF: the constant header, the parts' bytes in order, then one page tree, xref and trailer from
the parts' object tables. Parts of 5 MiB and more join by server-side part copy, and are only read
(once, for the SHA-256); smaller ones stream through. Nothing is rendered again; memory holds one
piece, one upload part and one chunk's sidecar at a time (invariant 5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from render_service.adapters.artifact_store import S3StreamUpload, read_object
from render_service.parts import part_keys
from render_service.rendering.entries import MANIFEST_NAME, manifest_header
from render_service.rendering.pdf import HEADER, PartInfo, write_trailer
from render_service.rendering.zipstream import CentralDirectoryWriter, ZipStreamWriter


async def assemble(
    client: Any,
    *,
    bucket: str,
    job: Mapping[str, Any],
    chunks: Sequence[Mapping[str, Any]],
    into: S3StreamUpload,
) -> None:
    keys = [part_keys(job["organization_id"], job["job_id"], c["chunk_index"]) for c in chunks]
    sizes = [int(c["part_size"]) for c in chunks]
    if job["request"]["export_type"] == "sheet_pdf":
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
        return

    starts: list[int] = []
    for key, size in zip(keys, sizes, strict=True):
        starts.append(into.size)
        await into.append_object(key.data, size)
    timestamp: dt.datetime = job["planned_at"]
    tail = ZipStreamWriter(into.write, timestamp=timestamp, offset=into.size)
    manifest = tail.begin_stream(MANIFEST_NAME, compress=True)
    manifest.write(manifest_header())
    for key in keys:
        manifest.write(await read_object(client, bucket=bucket, key=key.manifest))
        await into.pump()
    manifest.close()
    directory = CentralDirectoryWriter(into.write, offset=tail.offset)
    for key, start in zip(keys, starts, strict=True):
        directory.add_records(await read_object(client, bucket=bucket, key=key.records), delta=start)
        await into.pump()
    directory.add_records(tail.records())
    directory.finish()
    await into.pump()

"""A batch of labels as ready-made ZIP bytes: the process-pool unit of work for ZIP exports.

Writing the local headers, CRCs and manifest rows in the worker, and handing back three byte
strings instead of a Python object per label, keeps the replica's main process (which owns the
event loop, the upload and every other job) nearly idle: measured, it was the part that did not
scale across replicas. Pure; arguments and result pickle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from labelkit.rendering.batch import RenderSpec, render_batch
from labelkit.rendering.entries import manifest_csv
from labelkit.rendering.model import ItemRow, items_from_rows
from labelkit.rendering.zip.deflate_pieces import DeflatedPiece, deflate_piece
from labelkit.rendering.zip.writer import ZipStreamWriter


@dataclass(frozen=True, slots=True)
class ZipBatch:
    entries: bytes  # local headers + data, as written from offset 0
    records: bytes  # their central-directory records (offsets relative to the batch start)
    manifest: DeflatedPiece  # manifest.csv rows (no header), deflated here rather than by the assembler
    count: int  # labels (not files) in the batch


def render_zip_batch(rows: Sequence[ItemRow], spec: RenderSpec, timestamp: dt.datetime) -> ZipBatch:
    """The pool task: items arrive as rows (`ItemRow`), the batch leaves as bytes."""
    labels = render_batch(items_from_rows(rows), spec)
    pieces: list[bytes] = []
    writer = ZipStreamWriter(pieces.append, timestamp=timestamp)
    for label in labels:
        for file in label.files:
            writer.add(file.name, file.data, compress=file.compress)
    manifest = [row for label in labels for row in label.manifest_rows]
    return ZipBatch(
        entries=b"".join(pieces),
        records=writer.records(),
        manifest=deflate_piece(manifest_csv(manifest, header=False)),
        count=len(labels),
    )

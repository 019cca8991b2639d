"""What a chunk's ZIP part leaves for the assembler besides its bytes, and the assembler's pure
per-part step (pool work).

A part is written batch by batch by pool tasks that each start at offset 0; the replica only
appends their bytes. Their central-directory records travel as they came, framed with where each
batch landed in the part, so the replica never rewrites records while rendering; they are moved
to their absolute position once, when the directory is built.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator

from labelkit.rendering.zip.directory import central_entries_into

_FRAME = struct.Struct("<QI")  # the batch's offset within the part, length of its records blob


def pack_record_batches(batches: Iterable[tuple[int, bytes]]) -> bytes:
    return b"".join(_FRAME.pack(offset, len(records)) + records for offset, records in batches)


def iter_record_batches(blob: bytes) -> Iterator[tuple[int, memoryview]]:
    view = memoryview(blob)
    pos = 0
    while pos < len(view):
        offset, length = _FRAME.unpack_from(view, pos)
        pos += _FRAME.size
        yield offset, view[pos : pos + length]
        pos += length


def directory_piece(record_batches: bytes, part_start: int) -> tuple[bytes, int]:
    """The central-directory entries of a part that starts `part_start` bytes into the archive,
    and how many there are."""
    out = bytearray()
    count = 0
    for offset, records in iter_record_batches(record_batches):
        count += central_entries_into(records, part_start + offset, out)
    return bytes(out), count

"""The ZIP central directory: the compact per-entry records writers keep, and the directory and
end records built from them — in one go, or a part at a time for an archive assembled from parts.

A record (`RECORD` + name bytes) is what an entry leaves behind once its local header and data are
written: 38 bytes plus the name instead of `zipfile`'s ~500-byte ZipInfo. Record blobs are plain
bytes, so they can travel through S3 or a process pool.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable

Sink = Callable[[bytes], object]

U32 = 0xFFFFFFFF
U16 = 0xFFFF
# Packed record: dos datetime, crc, compressed size, size, local header offset, method, flags,
# name length; then the name bytes.
RECORD = struct.Struct("<IIQQQHHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<IHHHHIIH")
_EOCD64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")
FLAG_UTF8 = 0x0800
_EXTERNAL_ATTR = 0o100644 << 16  # regular file, rw-r--r--: sane permissions when unzipped on Unix
_MADE_BY_UNIX = 3 << 8
_FLUSH_BYTES = 1 << 16


class ZipStreamError(ValueError):
    """An entry or archive this writer cannot produce (bad name, size past what was declared)."""


def zip64_extra(fields: list[int]) -> bytes:
    return struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields)


def iter_records(blob: bytes | bytearray) -> Iterable[tuple[str, int, int, int, int]]:
    """Decode a records blob to (name, crc, compressed size, size, offset); for tests and tools."""
    view = memoryview(blob)
    pos = 0
    while pos < len(view):
        _, crc, csize, size, offset, _, flags, nlen = RECORD.unpack_from(view, pos)
        pos += RECORD.size
        raw = bytes(view[pos : pos + nlen])
        pos += nlen
        yield raw.decode("utf-8" if flags & FLAG_UTF8 else "ascii"), crc, csize, size, offset


def central_entries_into(blob: bytes | bytearray | memoryview, delta: int, out: bytearray) -> int:
    """Append the central-directory entries of a records blob, offsets moved by `delta`, to `out`;
    return how many. Pure: the assembler runs it in the process pool, a part at a time."""
    view = memoryview(blob)
    pos = count = 0
    end = len(view)
    unpack, pack, record_size = RECORD.unpack_from, _CENTRAL.pack, RECORD.size
    while pos < end:
        dostime, crc, csize, size, at, method, flags, nlen = unpack(view, pos)
        pos += record_size
        at += delta
        if size < U32 and csize < U32 and at < U32:  # the common case: no zip64 extra
            out += pack(
                0x02014B50, _MADE_BY_UNIX | 20, 20, flags, method, dostime & U16, dostime >> 16,
                crc, csize, size, nlen, 0, 0, 0, 0, _EXTERNAL_ATTR, at,
            )  # fmt: skip
            out += view[pos : pos + nlen]
            pos += nlen
            count += 1
            continue
        wide = [v for v in (size, csize, at) if v >= U32]
        extra = zip64_extra(wide)
        out += pack(
            0x02014B50,
            _MADE_BY_UNIX | 45,
            45,
            flags,
            method,
            dostime & U16,
            dostime >> 16,
            crc,
            min(csize, U32),
            min(size, U32),
            nlen,
            len(extra),
            0,
            0,
            0,
            _EXTERNAL_ATTR,
            min(at, U32),
        )
        out += view[pos : pos + nlen]
        out += extra
        pos += nlen
        count += 1
    return count


class CentralDirectoryWriter:
    """Writes central-directory entries from record blobs, then the (zip64) end records.

    Blobs can be fed one part at a time (e.g. as each is fetched), so memory stays at one blob.
    `offset` is the absolute position where the central directory starts.
    """

    def __init__(self, sink: Sink, *, offset: int) -> None:
        self._sink = sink
        self._start = offset
        self._offset = offset
        self._count = 0
        self._buffer = bytearray()
        self._done = False

    def add_records(self, blob: bytes | bytearray | memoryview, *, delta: int = 0) -> None:
        self._check_open()
        self._count += central_entries_into(blob, delta, self._buffer)
        if len(self._buffer) >= _FLUSH_BYTES:
            self._flush()

    def add_entries(self, data: bytes, count: int) -> None:
        """`count` entries made elsewhere by `central_entries_into` (e.g. in a process pool)."""
        self._check_open()
        self._flush()
        self._sink(data)
        self._offset += len(data)
        self._count += count

    def _check_open(self) -> None:
        if self._done:
            raise ZipStreamError("central directory already finished")

    def _flush(self) -> None:
        if self._buffer:
            data = bytes(self._buffer)
            self._buffer.clear()
            self._sink(data)
            self._offset += len(data)

    def finish(self) -> int:
        """Write the end records; return the archive's total size (absolute end offset)."""
        self._check_open()
        self._done = True
        self._flush()
        cd_size = self._offset - self._start
        count = self._count
        tail = b""
        # 0xFFFF / 0xFFFFFFFF are "see zip64" markers, so reaching them already needs zip64.
        if count >= U16 or cd_size >= U32 or self._start >= U32:
            eocd64_at = self._offset
            tail += _EOCD64.pack(
                0x06064B50, 44, _MADE_BY_UNIX | 45, 45, 0, 0, count, count, cd_size, self._start
            )
            tail += _LOCATOR64.pack(0x07064B50, 0, eocd64_at, 1)
        tail += _EOCD.pack(
            0x06054B50,
            0,
            0,
            min(count, U16),
            min(count, U16),
            min(cd_size, U32),
            min(self._start, U32),
            0,
        )
        self._sink(tail)
        self._offset += len(tail)
        return self._offset

"""Streaming ZIP writer with bounded memory, deterministic bytes and assembly from parts.

`zipfile` keeps a ZipInfo (~500 B) per entry until close. Here local headers and data go to the
sink as entries arrive, and each entry leaves only a packed central-directory record (38 bytes +
name) in a bytearray. Entries are bytes in memory, so CRC and sizes are known before the local
header is written and no data descriptor is needed (except in `add_stream`).

Parts: a chunk of a big job is written by `ZipStreamWriter` with `offset=0`; its `records()` blob
is stored next to the part. The assembler concatenates parts, and a `CentralDirectoryWriter`
(or the last writer's `finish(prior=...)`) writes every part's records shifted by the part's
absolute start. Record blobs are plain bytes, so they can travel through S3 or a database.

    # chunk k, on any replica (offsets relative to the part):
    w = ZipStreamWriter(part.write, timestamp=job_time)
    for label in labels:
        for f in label.files:
            w.add(f.name, f.data, compress=f.compress)
    keep(part_bytes_k, w.records(), deflate_piece(manifest_csv(rows_k, header=False)))

    # assembler, once every part is uploaded in order (start_k = sum of earlier part sizes):
    tail = ZipStreamWriter(sink, timestamp=job_time, offset=total_parts_size)
    tail.add_deflated(MANIFEST_NAME, join([deflate_piece(manifest_header()), *pieces]))
    tail.finish(prior=((records_k, start_k) for k in parts))  # may fetch blobs lazily

(`render_service.assembly.join_parts` does the same with the directory built a part at a time in the
process pool: `zip_directory.central_entries_into` + `CentralDirectoryWriter.add_entries`.) The
records and the directory live in `zip_directory`; this module writes entries.

The same timestamp gives byte-identical output, so a re-rendered part can replace the old one.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from collections.abc import Iterable

from labelkit.rendering.zip.deflate_pieces import FINAL_BLOCK, DeflatedPiece, crc32_combine
from labelkit.rendering.zip.directory import (
    FLAG_UTF8,
    RECORD,
    U16,
    U32,
    CentralDirectoryWriter,
    Sink,
    ZipStreamError,
    iter_records,
    zip64_extra,
)

__all__ = [
    "DEFLATED",
    "STORED",
    "CentralDirectoryWriter",
    "StreamEntry",
    "ZipStreamError",
    "ZipStreamWriter",
    "dos_datetime",
    "iter_records",
]

STORED = 0
DEFLATED = 8

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_DESCRIPTOR = struct.Struct("<IIII")
_DESCRIPTOR64 = struct.Struct("<IIQQ")
_FLAG_DESCRIPTOR = 0x0008


def dos_datetime(ts: dt.datetime) -> int:
    """`ts` as the packed MS-DOS date (high 16 bits) and time (low 16 bits); clamped to 1980-2107."""
    if ts.year < 1980:
        ts = dt.datetime(1980, 1, 1)
    elif ts.year > 2107:
        ts = dt.datetime(2107, 12, 31, 23, 59, 58)
    date = ((ts.year - 1980) << 9) | (ts.month << 5) | ts.day
    time = (ts.hour << 11) | (ts.minute << 5) | (ts.second // 2)
    return (date << 16) | time


def _name_bytes(name: str) -> tuple[bytes, int]:
    # No absolute paths, no empty / dot components (zip-slip, directory entries), no backslashes
    # (a path separator on Windows) and no NUL.
    if "\\" in name or "\x00" in name or any(part in ("", ".", "..") for part in name.split("/")):
        raise ZipStreamError(f"unsafe ZIP entry name {name!r}")
    if name.isascii():
        return name.encode("ascii"), 0
    return name.encode("utf-8"), FLAG_UTF8


class ZipStreamWriter:
    """Write ZIP entries to `sink` as they come; keep only compact central-directory records.

    `timestamp` is the modification time of every entry (pass the job's time, not now(), so a
    re-render is byte-identical). `offset` is the absolute position of the first byte this writer
    emits within the final archive (non-zero when it writes a later part or the archive tail).
    """

    def __init__(
        self, sink: Sink, *, timestamp: dt.datetime, offset: int = 0, compresslevel: int = 6
    ) -> None:
        if offset < 0:
            raise ValueError("offset must be >= 0")
        self._sink = sink
        self._dostime = dos_datetime(timestamp)
        self._offset = offset
        self._level = compresslevel
        self._records = bytearray()
        self._count = 0
        self._finished = False

    @property
    def offset(self) -> int:
        """Absolute archive position after the last byte written."""
        return self._offset

    @property
    def entry_count(self) -> int:
        return self._count

    def records(self) -> bytes:
        """This writer's central-directory records (absolute offsets), for `CentralDirectoryWriter`."""
        return bytes(self._records)

    def _write(self, data: bytes) -> None:
        self._sink(data)
        self._offset += len(data)

    def _deflate(self, data: bytes) -> bytes:
        # Raw deflate (wbits -15): ZIP stores the stream without zlib header or adler32.
        co = zlib.compressobj(self._level, zlib.DEFLATED, -15)
        return co.compress(data) + co.flush()

    def add(self, name: str, data: bytes, *, compress: bool) -> None:
        """Add one entry; deflated when `compress` and it actually gets smaller, else stored."""
        crc = zlib.crc32(data)
        payload, method = data, STORED
        if compress and data:
            packed = self._deflate(data)
            if len(packed) < len(data):
                payload, method = packed, DEFLATED
        self._entry(name, method, crc, len(data), payload)

    def add_deflated(self, name: str, piece: DeflatedPiece) -> None:
        """Add an entry from data deflated elsewhere (`deflate_pieces`), ending its stream here."""
        self._entry(name, DEFLATED, piece.crc, piece.size, piece.data + FINAL_BLOCK)

    def _entry(self, name: str, method: int, crc: int, size: int, payload: bytes) -> None:
        self._check_open()
        raw_name, flags = _name_bytes(name)
        csize = len(payload)
        header_offset = self._offset
        extra = b""
        version = 20
        if size >= U32 or csize >= U32:
            extra, version = zip64_extra([size, csize]), 45
        self._write(
            _LOCAL.pack(
                0x04034B50,
                version,
                flags,
                method,
                self._dostime & U16,
                self._dostime >> 16,
                crc,
                U32 if extra else csize,
                U32 if extra else size,
                len(raw_name),
                len(extra),
            )
            + raw_name
            + extra
        )
        self._write(payload)
        self._remember(raw_name, flags, method, crc, csize, size, header_offset)

    def add_stream(self, name: str, chunks: Iterable[bytes], *, compress: bool, zip64: bool = False) -> None:
        """Add an entry whose data arrives in pieces (e.g. manifest.csv assembled from parts)."""
        entry = self.begin_stream(name, compress=compress, zip64=zip64)
        for chunk in chunks:
            entry.write(chunk)
        entry.close()

    def begin_stream(self, name: str, *, compress: bool, zip64: bool = False) -> StreamEntry:
        """Start an entry fed piece by piece with `write`, finished by `close` — for callers whose
        pieces arrive asynchronously. Size and CRC are unknown up front, so the entry carries a
        data descriptor. Pass `zip64=True` if it may reach 4 GiB; otherwise that raises
        `ZipStreamError` at `close`. No other entry may be added until it is closed."""
        self._check_open()
        raw_name, flags = _name_bytes(name)
        flags |= _FLAG_DESCRIPTOR
        method = DEFLATED if compress else STORED
        header_offset = self._offset
        extra = zip64_extra([0, 0]) if zip64 else b""
        self._write(
            _LOCAL.pack(
                0x04034B50,
                45 if zip64 else 20,
                flags,
                method,
                self._dostime & U16,
                self._dostime >> 16,
                0,
                0,
                0,
                len(raw_name),
                len(extra),
            )
            + raw_name
            + extra
        )
        return StreamEntry(self, name, raw_name, flags, method, header_offset, zip64)

    def _remember(
        self, raw_name: bytes, flags: int, method: int, crc: int, csize: int, size: int, at: int
    ) -> None:
        self._records += RECORD.pack(self._dostime, crc, csize, size, at, method, flags, len(raw_name))
        self._records += raw_name
        self._count += 1

    def _check_open(self) -> None:
        if self._finished:
            raise ZipStreamError("archive already finished")

    def finish(self, prior: Iterable[tuple[bytes, int]] = ()) -> int:
        """Write the central directory and end records; return the archive's total size.

        `prior` holds (records blob, delta) of parts written before this writer's first byte, in
        archive order; each blob's offsets are shifted by its delta (the part's absolute start
        when the part was written with `offset=0`).
        """
        self._check_open()
        self._finished = True
        cd = CentralDirectoryWriter(self._sink, offset=self._offset)
        for blob, delta in prior:
            cd.add_records(blob, delta=delta)
        cd.add_records(self._records)
        self._offset = cd.finish()
        return self._offset


class StreamEntry:
    """One entry being written piece by piece (see `ZipStreamWriter.begin_stream`)."""

    def __init__(
        self, zf: ZipStreamWriter, name: str, raw_name: bytes, flags: int, method: int, at: int, zip64: bool
    ) -> None:
        self._zf = zf
        self._name = name
        self._raw_name = raw_name
        self._flags = flags
        self._method = method
        self._at = at
        self._zip64 = zip64
        self._co = zlib.compressobj(zf._level, zlib.DEFLATED, -15) if method == DEFLATED else None
        self._crc = self._size = self._csize = 0
        self._unflushed = False

    def write(self, chunk: bytes) -> None:
        self._crc = zlib.crc32(chunk, self._crc)
        self._size += len(chunk)
        out = self._co.compress(chunk) if self._co is not None else chunk
        self._unflushed = self._co is not None
        self._emit(out)

    def write_deflated(self, piece: DeflatedPiece) -> None:
        """Append data deflated elsewhere (a deflated entry only)."""
        if self._co is None:
            raise ZipStreamError(f"{self._name!r} is stored, not deflated")
        if self._unflushed:  # end what this entry compressed itself on a byte boundary first
            self._emit(self._co.flush(zlib.Z_FULL_FLUSH))
            self._unflushed = False
        self._crc = crc32_combine(self._crc, piece.crc, piece.size)
        self._size += piece.size
        self._emit(piece.data)

    def _emit(self, out: bytes) -> None:
        if out:
            self._csize += len(out)
            self._zf._write(out)

    def close(self) -> None:
        if self._co is not None:
            tail = self._co.flush()
            self._csize += len(tail)
            self._zf._write(tail)
        crc, size, csize = self._crc, self._size, self._csize
        if self._zip64:
            self._zf._write(_DESCRIPTOR64.pack(0x08074B50, crc, csize, size))
        elif size >= U32 or csize >= U32:
            raise ZipStreamError(f"{self._name!r} reached 4 GiB; add it with zip64=True")
        else:
            self._zf._write(_DESCRIPTOR.pack(0x08074B50, crc, csize, size))
        self._zf._remember(self._raw_name, self._flags, self._method, crc, csize, size, self._at)

"""Deflate once, where the data is made: independently compressed pieces that concatenate.

`manifest.csv` of a big job is written by many pool tasks on many replicas. Each task deflates its
own rows into a *piece*: raw deflate ended by a full flush, so it is byte-aligned and refers to
nothing before it. Pieces then join by plain concatenation; one final empty block ends the stream.
Their CRC-32s join arithmetically (`crc32_combine`), so whoever assembles the entry never touches
the uncompressed text: assembling a 100k-row manifest went from 0.28 s of compression in the
assembler to copying 2 MB. Pure; pieces pickle and serialize to bytes.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

# A deflate block with BFINAL set and nothing in it (fixed Huffman, end-of-block code only).
FINAL_BLOCK = b"\x03\x00"
_HEADER = struct.Struct("<IQ")  # crc32, uncompressed size


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A+B from crc32(A), crc32(B) and len(B).

    CRC-32 is affine over GF(2): crc(B, start=c) = crc(B, 0) ^ crc(zeros, c) ^ crc(zeros, 0) with
    zeros = len(B) zero bytes. Costs two CRCs over len2 bytes (~1 µs a KB); zlib's C
    crc32_combine is not exposed by Python.
    """
    if len2 == 0:
        return crc1
    zeros = bytes(len2)
    return zlib.crc32(zeros, crc1) ^ crc2 ^ zlib.crc32(zeros)


@dataclass(frozen=True, slots=True)
class DeflatedPiece:
    data: bytes  # raw deflate, full-flushed: not final, byte-aligned, self-contained
    crc: int  # CRC-32 of the uncompressed bytes
    size: int  # uncompressed length

    def to_bytes(self) -> bytes:
        return _HEADER.pack(self.crc, self.size) + self.data

    @classmethod
    def from_bytes(cls, blob: bytes) -> DeflatedPiece:
        crc, size = _HEADER.unpack_from(blob)
        return cls(blob[_HEADER.size :], crc, size)


EMPTY = DeflatedPiece(b"", 0, 0)


def deflate_piece(data: bytes, level: int = 6) -> DeflatedPiece:
    co = zlib.compressobj(level, zlib.DEFLATED, -15)
    return DeflatedPiece(co.compress(data) + co.flush(zlib.Z_FULL_FLUSH), zlib.crc32(data), len(data))


def join(pieces: Iterable[DeflatedPiece]) -> DeflatedPiece:
    """One piece equal to the pieces in order."""
    data: list[bytes] = []
    crc = size = 0
    for piece in pieces:
        data.append(piece.data)
        crc = crc32_combine(crc, piece.crc, piece.size)
        size += piece.size
    return DeflatedPiece(b"".join(data), crc, size)

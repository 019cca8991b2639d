"""Our own module matrix as a ZPL `^GF` graphic, Z64-compressed (zlib + base64 + CRC-16).

Z64 rather than ZPL's ASCII run-length compression: zlib and base64 run in C, and a symbol's
rows repeat `dots` times, which deflate folds away (measured in bench/render_bench.py).
"""

from __future__ import annotations

import base64
import binascii
import zlib

from labelkit.rendering.model import BitMatrix


def _row_bytes(modules: bytes, dots: int) -> bytes:
    """One module row widened to `dots` dots a module, packed MSB first (1 = black)."""
    bits = modules.translate(_BIT_CHARS)
    wide = bits.replace(b"1", b"1" * dots).replace(b"0", b"0" * dots) if dots > 1 else bits
    pad = -len(wide) % 8
    value = int(wide + b"0" * pad, 2)
    return value.to_bytes((len(wide) + pad) // 8, "big")


_BIT_CHARS = bytes.maketrans(b"\x00\x01", b"01")


def graphic_field(rows: tuple[bytes, ...], dots: int, *, row_repeat: int | None = None) -> str:
    """`^GFA,...` for the bitmap of `rows` (modules), each module `dots` x `dots` dots.

    `row_repeat` overrides the vertical repeat (a linear symbol is one row `height` dots tall).
    """
    repeat = dots if row_repeat is None else row_repeat
    packed = [_row_bytes(r, dots) for r in rows]
    width_bytes = len(packed[0])
    bitmap = b"".join(p * repeat for p in packed)
    b64 = base64.b64encode(zlib.compress(bitmap, 6))
    crc = binascii.crc_hqx(b64, 0)
    total = len(bitmap)
    return f"^GFA,{total},{total},{width_bytes},:Z64:{b64.decode('ascii')}:{crc:04X}"


def matrix_graphic(matrix: BitMatrix, dots: int) -> str:
    return graphic_field(matrix.rows, dots)

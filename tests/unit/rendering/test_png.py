from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from labelkit.rendering.formats.png import encode_png, pixels_per_module
from labelkit.rendering.model import BitMatrix
from labelkit.rendering.symbols.datamatrix import encode_datamatrix
from tests.support.readers import decode_png


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, out = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        payload = png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + payload)
        out.append((kind, payload))
        pos += 12 + length
    return out


@pytest.mark.parametrize(
    ("module_mm", "dpi", "expected"), [(0.5, 300, 6), (0.33, 300, 4), (0.1, 72, 1), (0.5, 600, 12)]
)
def test_pixels_per_module(module_mm: float, dpi: int, expected: int) -> None:
    assert pixels_per_module(module_mm, dpi) == expected


@pytest.mark.parametrize(
    ("dpi", "module_mm", "quiet"), [(300, 0.5, 2), (600, 0.25, 0), (203, 0.5, 4), (72, 0.3, 1)]
)
def test_one_bit_grey_with_phys_size_and_content(dpi: int, module_mm: float, quiet: int) -> None:
    matrix = encode_datamatrix("\x1d0109506000134352\x1d10LOT/1", gs1=True)
    scale = pixels_per_module(module_mm, dpi)
    png = encode_png(matrix, scale=scale, quiet_x=quiet, quiet_y=quiet, dpi=dpi)
    chunks = _chunks(png)
    assert [k for k, _ in chunks] == [b"IHDR", b"pHYs", b"IDAT", b"IEND"]
    width, height, depth, colour, comp, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    side = (matrix.width + 2 * quiet) * scale
    assert (width, height) == (side, side)
    assert (depth, colour, comp, filt, interlace) == (1, 0, 0, 0, 0)
    ppm_x, ppm_y, unit = struct.unpack(">IIB", chunks[1][1])
    assert unit == 1 and ppm_x == ppm_y == round(dpi / 0.0254)
    image = Image.open(io.BytesIO(png))
    assert image.mode == "1" and image.size == (side, side)
    assert round(image.info["dpi"][0]) == dpi
    # Pixels equal the matrix scaled up, quiet zone white.
    grey = image.convert("L")
    for y in range(height):
        for x in range(width):
            mx, my = x // scale - quiet, y // scale - quiet
            dark = 0 <= mx < matrix.width and 0 <= my < matrix.height and matrix.rows[my][mx] == 1
            assert grey.getpixel((x, y)) == (0 if dark else 255)
    if scale >= 2:
        assert decode_png(png) == [("]d2", "0109506000134352\x1d10LOT/1")]


def test_rows_repeat_with_filter_up() -> None:
    matrix = encode_datamatrix("\x1d0109506000134352", gs1=True)
    png = encode_png(matrix, scale=5, quiet_x=2, quiet_y=2, dpi=300)
    raw = zlib.decompress(dict(_chunks(png))[b"IDAT"])
    stride = ((matrix.width + 4) * 5 + 7) // 8
    filters = raw[:: stride + 1]
    assert len(filters) == (matrix.height + 4) * 5
    # One filter-None row per distinct module row, plus one per margin.
    assert filters.count(0) == matrix.height - _identical_neighbours(matrix) + 2
    for i, f in enumerate(filters):
        if f == 2:
            assert raw[i * (stride + 1) + 1 : (i + 1) * (stride + 1)] == bytes(stride)


def _identical_neighbours(matrix: BitMatrix) -> int:
    return sum(1 for a, b in zip(matrix.rows, matrix.rows[1:], strict=False) if a == b)


def test_odd_widths_pad_and_1d_style_quiet_zone() -> None:
    # A 3x2 matrix with a horizontal-only quiet zone, as 1D symbols use.
    matrix = BitMatrix(width=3, height=2, rows=(b"\x01\x00\x01", b"\x01\x00\x01"))
    png = encode_png(matrix, scale=3, quiet_x=1, quiet_y=0, dpi=300)
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size == (15, 6)
    white, black = [255] * 3, [0] * 3
    assert [image.getpixel((x, 0)) for x in range(15)] == white + black + white + black + white
    assert [image.getpixel((4, y)) for y in range(6)] == [0] * 6


def test_bad_arguments() -> None:
    m = BitMatrix(width=1, height=1, rows=(b"\x01",))
    with pytest.raises(ValueError):
        encode_png(m, scale=0, quiet_x=0, quiet_y=0, dpi=300)
    with pytest.raises(ValueError):
        encode_png(BitMatrix(0, 0, ()), scale=1, quiet_x=0, quiet_y=0, dpi=300)

"""Byte-level pieces: image-mask packing, string escaping, Helvetica encoding and metrics."""

from __future__ import annotations

import io
import re
import zlib

import pytest

from labelkit.rendering.model import BitMatrix
from labelkit.rendering.pdf.content import mask_hex, symbol_ops, text_ops
from labelkit.rendering.pdf.syntax import literal_string
from labelkit.rendering.pdf.writer import PartWriter
from labelkit.sheets import helvetica


def test_mask_rows_are_packed_msb_first_and_padded() -> None:
    m = BitMatrix(10, 2, (bytes([1, 0, 0, 0, 0, 0, 0, 1, 1, 1]), bytes([0] * 9 + [1])))
    assert mask_hex(m) == "81c0" + "0040"


def test_mask_keeps_leading_light_rows() -> None:
    assert mask_hex(BitMatrix(8, 2, (bytes(8), bytes([1] * 8)))) == "00ff"


@pytest.mark.parametrize(
    "bad",
    [
        BitMatrix(3, 2, (b"\x00\x01\x00",)),
        BitMatrix(3, 1, (b"\x00\x01",)),
        BitMatrix(2, 1, (b"\x00\x02",)),
        BitMatrix(0, 0, ()),
    ],
)
def test_malformed_matrices_are_refused(bad: BitMatrix) -> None:
    with pytest.raises(ValueError):
        mask_hex(bad)


def test_symbol_is_an_inline_image_mask_scaled_by_cm() -> None:
    ops = symbol_ops(BitMatrix(8, 1, (bytes([1] * 8),)), 10, 20, 1.5)
    assert (
        ops == "q 12.000 0 0 1.500 10.000 20.000 cm BI /W 8 /H 1 /IM true /BPC 1 /D [1 0] "
        "/F /AHx ID ff> EI Q\n"
    )


def test_strings_are_escaped() -> None:
    assert literal_string(b"(01)a\\b)\r") == b"(\\(01\\)a\\\\b\\)\\r)"
    ops = text_ops([b"(01)1", b"x"], 1, 2, 6.25)
    assert ops == "BT /F1 6.25 Tf 6.875 TL 1.000 2.000 Td (\\(01\\)1) Tj T* (x) Tj ET\n"


def test_helvetica_encoding_and_widths() -> None:
    assert helvetica.encode("é€\u2713\x1d") == b"\xe9\x80??"
    assert helvetica.width_em(b"(01)00000000000000") == pytest.approx((2 * 333 + 16 * 556) / 1000)
    assert helvetica.width_em(b"W") == 0.944
    assert helvetica.block_height_em(0) == 0
    assert helvetica.block_height_em(3) == pytest.approx(helvetica.ASCENT + helvetica.DESCENT + 2.2)


def test_writer_numbers_objects_and_records_offsets() -> None:
    sink = io.BytesIO()
    writer = PartWriter(sink, 10, (100.0, 50.0), compress_level=1)
    assert writer.add_page(b"0 0 m") == 10
    assert writer.add_page(b"1 1 m") == 12
    info = writer.finish(130, 66, 65)
    data = sink.getvalue()
    assert info.length == len(data) == writer.bytes_written
    assert list(info.page_objects) == [10, 12]
    assert [data[o : data.index(b" obj", o)] for o in info.offsets] == [b"10 0", b"11 0", b"12 0", b"13 0"]
    assert b"/Parent 2 0 R /MediaBox [0 0 100.000 50.000] /Resources << /Font << /F1 3 0 R >> >>" in data
    stream = re.search(rb"stream\n(.*?)\nendstream", data, re.S)
    assert stream is not None and zlib.decompress(stream.group(1)) == b"0 0 m"
    with pytest.raises(RuntimeError):
        writer.add_page(b"")

from __future__ import annotations

import datetime as dt

import pytest

from labelkit.gs1 import GS1Data, digital_link_uri, element_string
from labelkit.rendering.formats.png import encode_png
from labelkit.rendering.symbols.datamatrix import encode_datamatrix
from labelkit.rendering.symbols.errors import SymbolEncodeError
from tests.support.readers import decode_png

TODAY = dt.date(2026, 11, 28)
LOTS = ['A/B%C&D+E"F', "12345678901234567890", "ABCDEFGHIJKLMNOPQRST", "x", "(21)99", "!%&'()*+,-./:;<=>?_\""]
SERIALS = [None, "1", 'S/N%&+"', "abcdefghijklmnopqrst", "98765432109876543210"]


def _decode_matrix(data: str, *, gs1: bool) -> list[tuple[str, str]]:
    matrix = encode_datamatrix(data, gs1=gs1)
    assert matrix.width == matrix.height  # square symbols only
    assert len(matrix.rows) == matrix.height and all(len(r) == matrix.width for r in matrix.rows)
    assert set(b"".join(matrix.rows)) <= {0, 1}
    # Finder pattern: solid left column and bottom row, alternating top row.
    assert all(r[0] == 1 for r in matrix.rows) and set(matrix.rows[-1]) == {1}
    assert matrix.rows[0][:4] == b"\x01\x00\x01\x00"
    return decode_png(encode_png(matrix, scale=4, quiet_x=2, quiet_y=2, dpi=300))


@pytest.mark.parametrize("lot", LOTS)
@pytest.mark.parametrize("serial", SERIALS)
@pytest.mark.parametrize("expiry", [None, dt.date(2027, 12, 31)])
def test_gs1_datamatrix_decodes_as_d2_with_exact_content(
    lot: str, serial: str | None, expiry: dt.date | None
) -> None:
    data = GS1Data.create(gtin="09506000134352", lot=lot, serial=serial, expiry=expiry, today=TODAY)
    content = element_string(data)
    assert _decode_matrix(content, gs1=True) == [("]d2", content[1:])]


def test_plain_content_for_digital_link_is_d1() -> None:
    data = GS1Data.create(gtin="09506000134352", lot='A/B%&+"', serial="S1", expiry="271231", today=TODAY)
    uri = digital_link_uri(data)
    assert _decode_matrix(uri, gs1=False) == [("]d1", uri)]


def test_gs1_requires_leading_fnc1() -> None:
    with pytest.raises(SymbolEncodeError, match="FNC1"):
        encode_datamatrix("0109506000134352", gs1=True)


def test_too_long_is_refused_before_libdmtx() -> None:
    with pytest.raises(SymbolEncodeError, match="too long"):
        encode_datamatrix("A" * 5000, gs1=False)
    with pytest.raises(SymbolEncodeError):
        encode_datamatrix("", gs1=False)


def test_bytes_input_and_sizes_grow() -> None:
    small = encode_datamatrix(b"\x1d0109506000134352", gs1=True)
    big = encode_datamatrix("\x1d0109506000134352" + "10" + "A" * 20 + "\x1d21" + "B" * 20, gs1=True)
    assert small.width < big.width

from __future__ import annotations

import pytest

from labelkit.gs1 import GS1Data, digital_link_uri
from labelkit.rendering.formats.png import encode_png
from labelkit.rendering.formats.svg import matrix_svg
from labelkit.rendering.symbols.qr import encode_qr
from tests.support.readers import decode_image, decode_png, needs_rsvg, rasterize_svg

URIS = [
    digital_link_uri(GS1Data.create(gtin="09506000134352")),
    digital_link_uri(
        GS1Data.create(gtin="09506000134352", lot='A/B%C&D+E"F', serial='S/N%&+"x', expiry="271231")
    ),
    digital_link_uri(
        GS1Data.create(gtin="09506000134352", lot="12345678901234567890", serial="abcdefghijklmnopqrst"),
        "https://example.com/a/b",
    ),
]


@pytest.mark.parametrize("uri", URIS)
def test_qr_matrix_decodes_as_q1(uri: str) -> None:
    matrix = encode_qr(uri)
    assert matrix.width == matrix.height and (matrix.width - 17) % 4 == 0  # a real QR version size
    # Finder pattern top-left: 7 dark modules in the first row.
    assert matrix.rows[0][:8] == b"\x01" * 7 + b"\x00"
    assert decode_png(encode_png(matrix, scale=4, quiet_x=4, quiet_y=4, dpi=300)) == [("]Q1", uri)]


@needs_rsvg
@pytest.mark.parametrize("uri", URIS)
def test_qr_svg_decodes(uri: str) -> None:
    svg = matrix_svg(encode_qr(uri), module_mm=0.5, quiet=4, hri_lines=["(01)09506000134352"])
    assert decode_image(rasterize_svg(svg)) == [("]Q1", uri)]


def test_ec_level_is_applied_not_ignored() -> None:
    low = encode_qr(URIS[1], ec_level="L")
    high = encode_qr(URIS[1], ec_level="H")
    assert high.width > low.width
    with pytest.raises(ValueError):
        encode_qr(URIS[0], ec_level="X")

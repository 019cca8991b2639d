from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from labelkit.gs1 import GS1Data, element_string, hri_lines
from labelkit.rendering.formats.eps import linear_eps
from labelkit.rendering.formats.svg import linear_svg, matrix_svg
from labelkit.rendering.symbols.datamatrix import encode_datamatrix
from labelkit.rendering.symbols.linear import encode_linear
from tests.support.readers import decode_image, needs_rsvg, rasterize_svg

NS = "{http://www.w3.org/2000/svg}"
DATA = GS1Data.create(gtin="09506000134352", lot="<&>\"'()", serial="x_y")


def test_datamatrix_svg_is_one_path_with_real_size_and_escaped_text() -> None:
    matrix = encode_datamatrix(element_string(DATA), gs1=True)
    svg = matrix_svg(matrix, module_mm=0.5, quiet=2, hri_lines=hri_lines(DATA))
    root = ET.fromstring(svg)
    assert len(root.findall(f"{NS}path")) == 1
    assert not root.findall(f"{NS}rect")[1:]  # only the background rectangle
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert texts == hri_lines(DATA)
    width_mm = float(root.attrib["width"].removesuffix("mm"))
    vb = [float(v) for v in root.attrib["viewBox"].split()]
    assert width_mm == pytest.approx(vb[2] * 0.5)
    assert float(root.attrib["height"].removesuffix("mm")) == pytest.approx(vb[3] * 0.5)
    # Runs merged: fewer subpaths than dark modules.
    dark = sum(sum(r) for r in matrix.rows)
    assert 0 < svg.count(b"M") < dark


def test_no_text_when_not_human_readable() -> None:
    matrix = encode_datamatrix(element_string(DATA), gs1=True)
    svg = matrix_svg(matrix, module_mm=0.5, quiet=2)
    root = ET.fromstring(svg)
    assert not list(root.iter(f"{NS}text"))
    side = matrix.width + 4
    assert root.attrib["viewBox"] == f"0 0 {side} {side}"
    assert root.attrib["width"] == f"{side * 0.5:g}mm"


@needs_rsvg
@pytest.mark.parametrize(("module_mm", "dpi"), [(0.5, 300), (0.254, 300), (0.3, 203), (0.5, 600)])
def test_datamatrix_svg_decodes_at_awkward_scales(module_mm: float, dpi: int) -> None:
    matrix = encode_datamatrix(element_string(DATA), gs1=True)
    svg = matrix_svg(matrix, module_mm=module_mm, quiet=2, hri_lines=hri_lines(DATA))
    image = rasterize_svg(svg, dpi=dpi)
    width_mm = float(ET.fromstring(svg).attrib["width"].removesuffix("mm"))
    assert abs(image.size[0] - width_mm / 25.4 * dpi) <= 1
    assert decode_image(image) == [("]d2", element_string(DATA)[1:])]


def test_linear_svg_one_path_and_text() -> None:
    symbol = encode_linear("auto", DATA)
    svg = linear_svg(symbol, module_mm=0.33, quiet=10, human_readable=True)
    root = ET.fromstring(svg)
    assert len(root.findall(f"{NS}path")) == 1
    assert [t.text for t in root.iter(f"{NS}text")] == [symbol.text]


def test_eps_header_and_escaping() -> None:
    symbol = encode_linear("auto", DATA)
    eps = linear_eps(symbol, module_mm=0.33, quiet=10, human_readable=True).decode("ascii")
    assert eps.startswith("%!PS-Adobe-3.0 EPSF-3.0\n")
    box = re.search(r"%%BoundingBox: 0 0 (\d+) (\d+)", eps)
    assert box is not None
    expected_w = (len(symbol.modules) + 20) * 0.33 / 25.4 * 72
    assert int(box.group(1)) >= expected_w and int(box.group(1)) - expected_w < 1
    assert r"""(\(01\)09506000134352\(10\)<&>"'\(\)\(21\)x_y)""" in eps
    assert eps.rstrip().endswith("%%EOF")

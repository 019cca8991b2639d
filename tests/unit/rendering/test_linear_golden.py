"""The 1D writers keep giving the bytes they give today: the baseline a faster encoder or SVG/EPS
writer must match (or document each change it makes).

`linear_golden.json` holds the SHA-256 of every output below, written by the current encoder
(zxing-cpp image row) and SVG/EPS writers (a Python call per bar run). Every GS1-128 input is
within GS1's 48-character limit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from labelkit.gs1 import GS1Data
from labelkit.rendering.formats.eps import linear_eps
from labelkit.rendering.formats.layout import linear_matrix
from labelkit.rendering.formats.png import encode_png
from labelkit.rendering.formats.svg import linear_svg
from labelkit.rendering.symbols.linear import encode_linear

GOLDEN = Path(__file__).with_name("linear_golden.json")

DATA = {
    "gtin": GS1Data.create(gtin="00036000291452"),
    "lot": GS1Data.create(gtin="00036000291452", lot="LOT00042", expiry="270630"),
    "serial": GS1Data.create(gtin="00036000291452", lot="L1", expiry="270630", serial="SN0000000042"),
    "symbols": GS1Data.create(gtin="09506000134352", lot="a(1)/%&", serial="x-Y.z_42"),
    "digits": GS1Data.create(gtin="09506000134352", lot="12345678", serial="987654321"),
    "no_expiry": GS1Data.create(gtin="00036000291452", lot="LOT7", serial="SN000000000001"),
}
TYPES = {
    "gs1_128": tuple(DATA),
    "auto": ("serial", "symbols"),
    "code128": tuple(DATA),
    "ean13": ("gtin", "serial"),
    "upca": ("gtin", "lot"),
    "itf14": ("gtin", "digits"),
}
# (module_mm, quiet zone, HRI): the defaults, a wide text, no quiet zone, big modules.
GEOMETRY = ((0.33, 10, True), (0.33, 10, False), (0.25, 0, True), (0.5, 4, True), (1.0, 10, True))


def outputs() -> dict[str, str]:
    digests: dict[str, str] = {}
    for barcode_type, names in TYPES.items():
        for name in names:
            symbol = encode_linear(barcode_type, DATA[name])
            for module_mm, quiet, text in GEOMETRY:
                key = f"{barcode_type}/{name}/{module_mm}/{quiet}/{text}"
                svg = linear_svg(symbol, module_mm=module_mm, quiet=quiet, human_readable=text)
                eps = linear_eps(symbol, module_mm=module_mm, quiet=quiet, human_readable=text)
                digests[key + "/svg"] = hashlib.sha256(svg).hexdigest()
                digests[key + "/eps"] = hashlib.sha256(eps).hexdigest()
            png = encode_png(linear_matrix(symbol, quiet=10), scale=4, quiet_x=0, quiet_y=0, dpi=300)
            digests[f"{barcode_type}/{name}/png"] = hashlib.sha256(png).hexdigest()
    return digests


def test_same_bytes_as_the_previous_writers() -> None:
    expected = json.loads(GOLDEN.read_text())
    got = outputs()
    assert got.keys() == expected.keys()
    changed = [key for key in got if got[key] != expected[key]]
    assert not changed, changed

"""The test oracle: decode symbols with zxing-cpp's reader, an implementation independent of ours."""

from __future__ import annotations

import io
from dataclasses import dataclass

import zxingcpp
from PIL import Image


@dataclass(frozen=True)
class Decoded:
    text: str
    symbology_identifier: str
    format: str


def decode_png(data: bytes) -> list[Decoded]:
    image = Image.open(io.BytesIO(data))
    image.load()
    results = zxingcpp.read_barcodes(image.convert("L"))
    return [Decoded(r.text, r.symbology_identifier, str(r.format)) for r in results]


def decode_single_png(data: bytes) -> Decoded:
    found = decode_png(data)
    assert len(found) == 1, f"expected exactly one symbol, found {len(found)}"
    return found[0]

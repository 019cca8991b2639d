"""Test helpers for sheet PDFs: symbols from zxing-cpp's writer, HRI lines, and the PDF tools.

Symbols come from zxing-cpp (`gs1=True` makes a GS1 DataMatrix, read back as `]d2`) so these
tests do not depend on the project's own DataMatrix encoder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import zxingcpp

from labelkit.rendering.model import BitMatrix, LabelItem
from labelkit.rendering.pdf import SheetTemplate
from tests.support.readers import (  # re-exported for the sheet tests
    decode_pdf_cells,
)

_DARK = bytes(1 if value < 128 else 0 for value in range(256))


def matrix_of(barcode: zxingcpp.Barcode) -> BitMatrix:
    """zxing-cpp's module matrix (no quiet zone) as a BitMatrix."""
    image = barcode.to_image(scale=1, add_quiet_zones=False)
    height, width = image.shape
    dark = bytes(cast(Any, image)).translate(_DARK)
    return BitMatrix(width, height, tuple(dark[y * width : (y + 1) * width] for y in range(height)))


def hri_lines(item: LabelItem) -> list[str]:
    lines = [f"(01){item.gtin}"]
    if item.expiry is not None:
        lines.append(f"(17){item.expiry:%y%m%d}")
    lines.append(f"(10){item.lot}")
    if item.serial is not None:
        lines.append(f"(21){item.serial}")
    return lines


def gs1_datamatrix(item: LabelItem) -> BitMatrix:
    return matrix_of(
        zxingcpp.create_barcode(
            "".join(hri_lines(item)), zxingcpp.BarcodeFormat.DataMatrix, gs1=True, force_square=True
        )
    )


def digital_link(item: LabelItem) -> str:
    from urllib.parse import quote

    uri = f"https://id.gs1.org/01/{item.gtin}/10/{quote(item.lot, safe='')}"
    if item.serial is not None:
        uri += f"/21/{quote(item.serial, safe='')}"
    if item.expiry is not None:
        uri += f"?17={item.expiry:%y%m%d}"
    return uri


def qr_code(item: LabelItem) -> BitMatrix:
    return matrix_of(zxingcpp.create_barcode(digital_link(item), zxingcpp.BarcodeFormat.QRCode))


# Lots and serials of the GS1 AI-82 set, 1–20 characters, chosen to be awkward: wide glyphs,
# PDF and shell metacharacters, the longest lengths. No parentheses here, as zxing-cpp's GS1
# input is parenthesised HRI (the test with labelkit.gs1 has them); "(01)" prefixes and the QR
# test's HRI lines exercise PDF string escaping anyway.
AWKWARD = (
    "WWWWWWWWWWWWWWWWWWWW",
    "A",
    "%&'*+,-./:;<=>?_!\"zz",
    "mmmmMMMMmmmmMMMMmmmm",
    "0",
    "lot-2024/07_b",
    "12345678901234567890",
    "_",
)


def awkward_items(count: int, *, start: int = 0) -> Iterator[LabelItem]:
    gtins = ("09506000134352", "00012345678905", "95012345678903")
    for i in range(start, start + count):
        lot = AWKWARD[i % len(AWKWARD)]
        serial = None if i % 5 == 1 else f"{AWKWARD[(i * 3) % len(AWKWARD)][:14]}{i:06d}"
        expiry = None if i % 3 == 2 else dt.date(2026 + i % 4, 1 + i % 12, 1 + i % 28)
        yield LabelItem(f"e{i}", gtins[i % len(gtins)], lot, expiry, serial)


def decode_cells(
    path: Path, template: SheetTemplate, count: int, formats: zxingcpp.BarcodeFormat
) -> list[tuple[str, str]]:
    """(text in GS1 HRI form, symbology identifier) of each of the first `count` cells."""
    cells = decode_pdf_cells(path, template, count, formats, zxingcpp.TextMode.HRI)
    return [(text, symbology) for symbology, text in cells]


def expected_text(lines: Sequence[str]) -> str:
    return "\n".join(lines)

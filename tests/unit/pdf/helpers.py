"""Test helpers for sheet PDFs: symbols from zxing-cpp's writer, HRI lines, and the PDF tools.

Symbols come from zxing-cpp (`gs1=True` makes a GS1 DataMatrix, read back as `]d2`) so these
tests do not depend on the project's own DataMatrix encoder.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import pytest
import zxingcpp
from PIL import Image

from render_service.rendering.model import BitMatrix, LabelItem
from render_service.rendering.pdf import SheetTemplate

DPI = 300
_DARK = bytes(1 if value < 128 else 0 for value in range(256))

needs_pdf_tools = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("qpdf", "pdftoppm", "pdftotext")),
    reason="needs Debian packages qpdf and poppler-utils",
)


def matrix_of(barcode: zxingcpp.Barcode) -> BitMatrix:
    """zxing-cpp's module matrix (no quiet zone) as a BitMatrix."""
    image = barcode.to_image(scale=1, add_quiet_zones=False)
    height, width = image.shape
    dark = bytes(cast(Any, image)).translate(_DARK)
    return BitMatrix(width, height, tuple(dark[y * width:(y + 1) * width] for y in range(height)))


def hri_lines(item: LabelItem) -> list[str]:
    lines = [f"(01){item.gtin}"]
    if item.expiry is not None:
        lines.append(f"(17){item.expiry:%y%m%d}")
    lines.append(f"(10){item.lot}")
    if item.serial is not None:
        lines.append(f"(21){item.serial}")
    return lines


def gs1_datamatrix(item: LabelItem) -> BitMatrix:
    return matrix_of(zxingcpp.create_barcode("".join(hri_lines(item)), zxingcpp.BarcodeFormat.DataMatrix,
                                             gs1=True, force_square=True))


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
# input is parenthesised HRI (the test with shared.gs1 has them); "(01)" prefixes and the QR
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


def qpdf_check(path: Path) -> None:
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout, result.stdout


def page_texts(path: Path) -> list[str]:
    """pdftotext in content order, one string per page."""
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                         check=True).stdout.decode()
    return out.split("\f")[:-1]


def rasterize(path: Path, dpi: int = DPI) -> list[Image.Image]:
    """Every page as a greyscale image, via poppler's pdftoppm (PGM files beside the PDF)."""
    prefix = path.with_suffix("")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(path), f"{prefix}-page"], check=True)
    files = sorted(path.parent.glob(f"{prefix.name}-page-*.pgm"), key=lambda f: int(f.stem.rsplit("-", 1)[1]))
    pages = []
    for file in files:
        with Image.open(file) as image:
            pages.append(image.copy())
        file.unlink()
    return pages


def cell_crop(page: Image.Image, template: SheetTemplate, slot: int, dpi: int = DPI) -> Image.Image:
    x_mm, y_mm = template.cell_origin_mm(slot)
    px = dpi / 25.4
    box = (round(x_mm * px), round(y_mm * px), round((x_mm + template.label_width_mm) * px),
           round((y_mm + template.label_height_mm) * px))
    return page.crop(box)


def decode_cells(path: Path, template: SheetTemplate, count: int,
                 formats: zxingcpp.BarcodeFormat) -> list[tuple[str, str]]:
    """(text, symbology identifier) read from each of the first `count` cells, in order."""
    found: list[tuple[str, str]] = []
    for index, page in enumerate(rasterize(path)):
        for slot in range(min(template.labels_per_page, count - index * template.labels_per_page)):
            results = zxingcpp.read_barcodes(cell_crop(page, template, slot),
                                             formats=zxingcpp.BarcodeFormats(formats))
            assert len(results) == 1, f"label {index * template.labels_per_page + slot}: {results}"
            found.append((results[0].text, results[0].symbology_identifier))
    return found


def expected_text(lines: Sequence[str]) -> str:
    return "\n".join(lines)


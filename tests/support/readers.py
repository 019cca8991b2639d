"""Independent readers: the test oracle for every artifact.

zxing-cpp decodes symbols (an implementation independent of our encoders, reporting symbology
identifiers); rsvg-convert, Ghostscript and poppler rasterise SVG, EPS and PDF the way real
printers' software would; qpdf checks PDF structure. Debian packages: librsvg2-bin, ghostscript,
poppler-utils, qpdf (`scripts/system-deps.sh test`).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any, cast

import pytest
import zxingcpp
from PIL import Image

from labelkit.sheets.templates import SheetTemplate

DPI = 300
HAS_RSVG = shutil.which("rsvg-convert") is not None
HAS_GS = shutil.which("gs") is not None
needs_rsvg = pytest.mark.skipif(not HAS_RSVG, reason="rsvg-convert not installed (Debian librsvg2-bin)")
needs_gs = pytest.mark.skipif(not HAS_GS, reason="gs not installed (Debian ghostscript)")
needs_pdf_tools = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("qpdf", "pdftoppm", "pdftotext")),
    reason="needs Debian packages qpdf and poppler-utils",
)


def decode_image(
    image: Image.Image,
    formats: zxingcpp.BarcodeFormat | None = None,
    text_mode: zxingcpp.TextMode = zxingcpp.TextMode.Plain,
) -> list[tuple[str, str]]:
    """(symbology identifier, text) of every symbol found, top to bottom. Plain text keeps GS as
    a 0x1D character; `TextMode.HRI` gives GS1 data as `(01)…` instead."""
    if formats is None:
        found = zxingcpp.read_barcodes(image, text_mode=text_mode)
    else:
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(formats), text_mode=text_mode)
    found = sorted(found, key=lambda b: (b.position.top_left.y, b.position.top_left.x))
    return [(b.symbology_identifier, b.text) for b in found]


def joined_gs1_128(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A label's symbols as its manifest row states them: GS1-128 symbols stacked one per line
    (a label split over two) become one `]C1` transmission, joined by GS top to bottom."""
    if len(found) > 1 and all(ident == "]C1" for ident, _ in found):
        return [("]C1", "\x1d".join(text for _, text in found))]
    return found


def zint_modules(content: str, fmt: zxingcpp.BarcodeFormat, *, gs1: bool = False) -> bytes:
    """The 1D symbol zxing-cpp's writer (zint) draws for `content`: one row, 1 = bar."""
    options = {"gs1": True} if gs1 else {}
    symbol = zxingcpp.create_barcode(content, fmt, **options)
    image = symbol.to_image(scale=1, add_quiet_zones=False)
    row = bytes(memoryview(cast(Any, image)))[: image.shape[1]]
    return bytes(1 if v < 128 else 0 for v in row)


def width_modules(widths: bytes) -> bytes:
    """Bar and space widths (bar first) as one row of modules, 1 = bar."""
    return b"".join((b"\x01" if n % 2 == 0 else b"\x00") * w for n, w in enumerate(widths))


def decode_png(data: bytes) -> list[tuple[str, str]]:
    return decode_image(Image.open(io.BytesIO(data)))


def rasterize_svg(data: bytes, dpi: int = DPI) -> Image.Image:
    out = subprocess.run(
        ["rsvg-convert", "--format=png", f"--dpi-x={dpi}", f"--dpi-y={dpi}", "--background-color=white"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(out)).convert("L")


def rasterize_eps(data: bytes, dpi: int = DPI) -> Image.Image:
    out = subprocess.run(
        [
            "gs",
            "-q",
            "-dSAFER",
            "-dBATCH",
            "-dNOPAUSE",
            "-dEPSCrop",
            "-sDEVICE=pnggray",
            f"-r{dpi}",
            "-dTextAlphaBits=4",
            "-sOutputFile=-",
            "-",
        ],
        input=data,
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(out)).convert("L")


def qpdf_check(path: Path) -> None:
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout, result.stdout


def pdf_page_texts(path: Path) -> list[str]:
    """pdftotext in content order, one string per page."""
    out = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    return out.split("\f")[:-1]


def rasterize_pdf(path: Path, dpi: int = DPI) -> list[Image.Image]:
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
    """The label cell `slot` of a rasterised page, cut out by the template's geometry."""
    x_mm, y_mm = template.cell_origin_mm(slot)
    px = dpi / 25.4
    box = (
        round(x_mm * px),
        round(y_mm * px),
        round((x_mm + template.label_width_mm) * px),
        round((y_mm + template.label_height_mm) * px),
    )
    return page.crop(box)


def decode_pdf_cells(
    path: Path,
    template: SheetTemplate,
    count: int,
    formats: zxingcpp.BarcodeFormat,
    text_mode: zxingcpp.TextMode = zxingcpp.TextMode.Plain,
) -> list[tuple[str, str]]:
    """(symbology identifier, raw text) read from each of the first `count` cells, in order;
    exactly one symbol per cell."""
    found: list[tuple[str, str]] = []
    for index, page in enumerate(rasterize_pdf(path)):
        for slot in range(min(template.labels_per_page, count - index * template.labels_per_page)):
            results = decode_image(cell_crop(page, template, slot), formats, text_mode)
            assert len(results) == 1, f"label {index * template.labels_per_page + slot}: {results}"
            found.append(results[0])
    return found

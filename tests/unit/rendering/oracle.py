"""Independent readers for tests: zxing-cpp decodes, rsvg-convert / Ghostscript rasterise."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
import zxingcpp
from PIL import Image

HAS_RSVG = shutil.which("rsvg-convert") is not None
HAS_GS = shutil.which("gs") is not None
needs_rsvg = pytest.mark.skipif(not HAS_RSVG, reason="rsvg-convert not installed (Debian librsvg2-bin)")
needs_gs = pytest.mark.skipif(not HAS_GS, reason="gs not installed (Debian ghostscript)")


def decode_image(image: Image.Image) -> list[tuple[str, str]]:
    """(symbology identifier, raw text) of every symbol found; GS stays a 0x1D character."""
    found = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    return [(b.symbology_identifier, b.text) for b in found]


def decode_png(data: bytes) -> list[tuple[str, str]]:
    return decode_image(Image.open(io.BytesIO(data)))


def rasterize_svg(data: bytes, dpi: int = 300) -> Image.Image:
    out = subprocess.run(
        ["rsvg-convert", "--format=png", f"--dpi-x={dpi}", f"--dpi-y={dpi}", "--background-color=white"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(out)).convert("L")


def rasterize_eps(data: bytes, dpi: int = 300) -> Image.Image:
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

"""Turning encoder output (8-bit grey pixels at one pixel per module) into a `BitMatrix`."""

from __future__ import annotations

from labelkit.rendering.model import BitMatrix

# Encoders hand back 0 for dark and 255 for light; anything below mid-grey counts as dark.
_GREY_TO_BIT = bytes(1 if v < 128 else 0 for v in range(256))


def bitmatrix_from_grey(pixels: bytes, width: int, height: int, stride: int | None = None) -> BitMatrix:
    """Build a `BitMatrix` from row-major 8-bit grey pixels, one pixel per module."""
    step = width if stride is None else stride
    bits = pixels.translate(_GREY_TO_BIT)
    rows = tuple([bits[start : start + width] for start in range(0, step * height, step)])
    return BitMatrix(width=width, height=height, rows=rows)

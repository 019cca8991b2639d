"""Dot-exact sizing: a printer prints whole dots, so the module is a whole number of dots."""

from __future__ import annotations

DPI_CHOICES = (203, 300, 600)
MM_PER_INCH = 25.4


class FitError(ValueError):
    """The symbol (with quiet zone and HRI) does not fit the label; the message names sizes."""


def module_dots(module_mm: float, dpi: int) -> int:
    """Dots per module closest to `module_mm` at `dpi`, never 0."""
    return max(1, round(module_mm * dpi / MM_PER_INCH))


def achieved_mm(dots: int, dpi: int) -> float:
    """The X-dimension actually printed, in mm (3 decimals: a 600 dpi dot is 0.042 mm)."""
    return round(dots * MM_PER_INCH / dpi, 3)


def mm_to_dots(mm: float, dpi: int) -> int:
    """Whole dots that fit in `mm` (floor: a label edge cannot be exceeded)."""
    return int(mm * dpi / MM_PER_INCH)

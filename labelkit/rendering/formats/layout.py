"""Geometry shared by the vector writers: where symbol, quiet zone, bearer bars and HRI text go.

Everything is in module units (X = 1), so bar and module edges land on whole numbers and the
output stays small; writers scale by module_mm at the end. y grows downwards (SVG); the EPS
writer flips it.
"""

from __future__ import annotations

from dataclasses import dataclass

from labelkit.rendering.model import BitMatrix
from labelkit.rendering.symbols.linear import LinearSymbol

# Monospace fonts (SVG "monospace", PostScript Courier) advance 0.6 em per character, which
# lets the canvas be sized to the HRI text without measuring glyphs.
CHAR_WIDTH_EM = 0.6
MIN_TEXT_MM = 2.0
BEARER_MODULES = 2  # ITF-14 bearer bars: GS1 minimum of 2X when not printed from plates


@dataclass(frozen=True, slots=True)
class Layout:
    width: float  # canvas, modules
    height: float
    symbol_x: float  # left edge of the first module (after the quiet zone)
    symbol_y: float  # top edge of the symbol (bars start below a top bearer)
    symbol_height: float  # bar height (1D) or module rows (2D)
    bearer: float  # bearer bar thickness, 0 when none
    text_size: float  # font size; 0 when no text
    baselines: tuple[float, ...]  # one per text line
    lines: tuple[str, ...]


def _text_block(lines: list[str], size: float, top: float) -> tuple[tuple[float, ...], float]:
    """Baselines for `lines` starting below `top`, and the y where the block ends."""
    gap = 0.4 * size
    line_height = 1.2 * size
    baselines = tuple(top + gap + 0.8 * size + i * line_height for i in range(len(lines)))
    return baselines, baselines[-1] + 0.3 * size


def matrix_layout(matrix: BitMatrix, *, quiet: int, module_mm: float, lines: list[str]) -> Layout:
    """2D symbol with a quiet zone on every side and optional HRI lines below, centred."""
    side = matrix.width + 2 * quiet
    height = float(matrix.height + 2 * quiet)
    size = 0.0
    baselines: tuple[float, ...] = ()
    width = float(side)
    if lines:
        size = max(4.0, MIN_TEXT_MM / module_mm)
        width = max(width, max(len(t) for t in lines) * CHAR_WIDTH_EM * size + 2 * quiet)
        baselines, height = _text_block(lines, size, matrix.height + quiet)
        height = max(height, float(matrix.height + 2 * quiet))
    return Layout(
        width=width,
        height=height,
        symbol_x=(width - matrix.width) / 2,
        symbol_y=float(quiet),
        symbol_height=float(matrix.height),
        bearer=0.0,
        text_size=size,
        baselines=baselines,
        lines=tuple(lines),
    )


def linear_layout(symbol: LinearSymbol, *, quiet: int, module_mm: float, human_readable: bool) -> Layout:
    """1D symbol: quiet zones left and right, bearer bars if any, HRI line centred below."""
    bearer = float(BEARER_MODULES) if symbol.bearer else 0.0
    width = float(len(symbol.modules) + 2 * quiet)
    bottom = bearer + symbol.height_modules + bearer
    size = 0.0
    baselines: tuple[float, ...] = ()
    lines: tuple[str, ...] = ()
    if human_readable:
        size = max(8.0, MIN_TEXT_MM / module_mm)
        lines = (symbol.text,)
        width = max(width, len(symbol.text) * CHAR_WIDTH_EM * size)
        baselines, bottom = _text_block(list(lines), size, bottom)
    return Layout(
        width=width,
        height=bottom,
        symbol_x=(width - len(symbol.modules)) / 2,
        symbol_y=bearer,
        symbol_height=symbol.height_modules,
        bearer=bearer,
        text_size=size,
        baselines=baselines,
        lines=lines,
    )


def linear_matrix(symbol: LinearSymbol, *, quiet: int) -> BitMatrix:
    """A 1D symbol as a `BitMatrix` for the PNG writer: quiet zones included, bearer rows on top
    and bottom spanning them (as a printed bearer frame would), bar height rounded to modules."""
    blank = bytes(quiet)
    bar_row = blank + symbol.modules + blank
    rows = [bar_row] * max(1, round(symbol.height_modules))
    if symbol.bearer:
        solid = b"\x01" * len(bar_row)
        rows = [solid] * BEARER_MODULES + rows + [solid] * BEARER_MODULES
    return BitMatrix(width=len(bar_row), height=len(rows), rows=tuple(rows))


def fmt(value: float) -> str:
    """Compact decimal for coordinates: `12`, `12.5`, `12.345`."""
    if value == int(value):
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")

"""Geometry shared by the vector writers: where symbol, quiet zone, bearer bars and HRI text go.

Everything is in module units (X = 1), so bar and module edges land on whole numbers and the
output stays small; writers scale by module_mm at the end. y grows downwards (SVG); the EPS
writer flips it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import accumulate

from labelkit.rendering.model import BitMatrix
from labelkit.rendering.symbols.linear import LinearSymbol

# Monospace fonts (SVG "monospace", PostScript Courier) advance 0.6 em per character, which
# lets the canvas be sized to the HRI text without measuring glyphs.
CHAR_WIDTH_EM = 0.6
MIN_TEXT_MM = 2.0
BEARER_MODULES = 2  # ITF-14 bearer bars: GS1 minimum of 2X when not printed from plates
# Light space between two stacked 1D symbols (and the first one's HRI line): as wide as the
# contract's default 1D quiet zone, so a scanner's line never crosses both.
STACK_GAP_MODULES = 10


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
    modules = symbol.width
    width = float(modules + 2 * quiet)
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
        symbol_x=(width - modules) / 2,
        symbol_y=bearer,
        symbol_height=symbol.height_modules,
        bearer=bearer,
        text_size=size,
        baselines=baselines,
        lines=lines,
    )


def linear_layouts(
    symbols: Sequence[LinearSymbol], *, quiet: int, module_mm: float, human_readable: bool
) -> tuple[Layout, tuple[Layout, ...]]:
    """The canvas of a label's 1D symbols stacked top to bottom, a symbol per line each with its
    HRI line under it (a GS1-128 label split in two), and each symbol's own place on it. One
    symbol is exactly `linear_layout`."""
    parts = [
        linear_layout(s, quiet=quiet, module_mm=module_mm, human_readable=human_readable) for s in symbols
    ]
    if len(parts) == 1:
        return parts[0], (parts[0],)
    width = max(p.width for p in parts)
    placed: list[Layout] = []
    top = 0.0
    for symbol, part in zip(symbols, parts, strict=True):
        placed.append(
            replace(
                part,
                width=width,
                symbol_x=(width - symbol.width) / 2,
                symbol_y=top + part.symbol_y,
                baselines=tuple(top + b for b in part.baselines),
            )
        )
        top += part.height + STACK_GAP_MODULES
    canvas = replace(
        placed[0],
        height=top - STACK_GAP_MODULES,
        baselines=tuple(b for p in placed for b in p.baselines),
        lines=tuple(line for p in placed for line in p.lines),
    )
    return canvas, tuple(placed)


def linear_matrix(symbol: LinearSymbol | Sequence[LinearSymbol], *, quiet: int) -> BitMatrix:
    """1D symbols as a `BitMatrix` for the PNG writer: quiet zones included, bearer rows on top
    and bottom spanning them (as a printed bearer frame would), bar height rounded to modules.
    Several symbols (a split GS1-128 label) are stacked, centred, `STACK_GAP_MODULES` apart."""
    symbols = (symbol,) if isinstance(symbol, LinearSymbol) else tuple(symbol)
    width = max(s.width for s in symbols) + 2 * quiet
    rows: list[bytes] = []
    for n, one in enumerate(symbols):
        if n:
            rows += [bytes(width)] * STACK_GAP_MODULES
        left = quiet + (width - 2 * quiet - one.width) // 2
        bar_row = bytes(left) + one.modules + bytes(width - left - one.width)
        bars = [bar_row] * max(1, round(one.height_modules))
        if one.bearer:
            solid = b"\x01" * width
            bars = [solid] * BEARER_MODULES + bars + [solid] * BEARER_MODULES
        rows += bars
    return BitMatrix(width=width, height=len(rows), rows=tuple(rows))


def bar_lefts(widths: bytes, x0: float) -> tuple[list[int] | list[str], str]:
    """Every bar's left edge `fmt(x0 + start)`, for a writer to format in one call: the edges
    and the printf conversion that spells them (no Python call per bar).

    The edges differ by whole modules, so they share x0's decimals: `ints` with a constant
    suffix (`%d.4` spells 14 as `14.4`). That holds unless x0's thousandths sit within 1e-6 of a
    rounding tie, where the float sum could round the other way; those (never seen in practice)
    are spelled one by one with `fmt`, so the text is always `fmt`'s.
    """
    starts = [0, *accumulate(widths)][0:-1:2]
    whole = math.floor(x0)
    thousandths = (x0 - whole) * 1000
    if abs(thousandths - math.floor(thousandths) - 0.5) < 1e-6:
        return [fmt(x0 + s) for s in starts], "%s"
    digits = math.floor(thousandths + 0.5)
    if digits == 1000:  # 14.9996 is 15
        whole, digits = whole + 1, 0
    suffix = f".{digits:03d}".rstrip("0").rstrip(".")
    return list(map(whole.__add__, starts)), "%d" + suffix


def fmt(value: float) -> str:
    """Compact decimal for coordinates: `12`, `12.5`, `12.345`."""
    if value == int(value):
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")

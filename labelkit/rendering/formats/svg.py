"""SVG for 2D and 1D symbols at real size (width/height in mm), drawn in module units.

Dark modules form ONE `<path>` of run-length rectangles: a renderer anti-aliases each element
separately, so one `<rect>` per module leaves faint seams between neighbours that break
decoding at 300 dpi; inside one path the shared edges cancel. Horizontal runs also keep the
file small (~3,000 symbols/s to write).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from xml.sax.saxutils import escape

from labelkit.rendering.formats.layout import Layout, bar_lefts, fmt, linear_layouts, matrix_layout
from labelkit.rendering.model import BitMatrix
from labelkit.rendering.symbols.linear import LinearSymbol

_RUN = re.compile(b"\x01+")


def _document(layout: Layout, module_mm: float, path: str) -> bytes:
    parts = [_head(layout.width, layout.height, module_mm), path, '"/>\n']
    if layout.lines:
        parts.append(_text_group(layout.text_size))
        centre = layout.width / 2
        for line, baseline in zip(layout.lines, layout.baselines, strict=True):
            parts += (_text_open(centre, baseline), escape(line), "</text>\n")
        parts.append("</g>\n")
    parts.append("</svg>\n")
    return "".join(parts).encode("utf-8")


# The parts of a document that depend only on its geometry, formatted once per size: a job's
# labels mostly share them.
@lru_cache(maxsize=256)
def _head(width: float, height: float, module_mm: float) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1"'
        f' width="{fmt(width * module_mm)}mm" height="{fmt(height * module_mm)}mm"'
        f' viewBox="0 0 {fmt(width)} {fmt(height)}">\n'
        # An explicit light background: the quiet zone must stay light on any page colour.
        f'<rect width="{fmt(width)}" height="{fmt(height)}" fill="#fff"/>\n'
        '<path fill="#000" shape-rendering="crispEdges" d="'
    )


@lru_cache(maxsize=64)
def _text_group(size: float) -> str:
    return f'<g font-family="monospace" font-size="{fmt(size)}" text-anchor="middle" fill="#000">\n'


@lru_cache(maxsize=256)
def _text_open(x: float, y: float) -> str:
    return f'<text x="{fmt(x)}" y="{fmt(y)}">'


def matrix_svg(
    matrix: BitMatrix, *, module_mm: float, quiet: int, hri_lines: list[str] | None = None
) -> bytes:
    """2D symbol (DataMatrix, QR) with quiet zone, optional HRI lines centred below."""
    layout = matrix_layout(matrix, quiet=quiet, module_mm=module_mm, lines=hri_lines or [])
    x0, y0 = layout.symbol_x, layout.symbol_y
    # Rows joined with a separator byte so a run never continues into the next row.
    stride = matrix.width + 1
    joined = b"\x00".join(matrix.rows)
    path: list[str] = []
    for run in _RUN.finditer(joined):
        y, x = divmod(run.start(), stride)
        n = run.end() - run.start()
        path.append(f"M{fmt(x0 + x)} {fmt(y0 + y)}h{n}v1h-{n}z")
    return _document(layout, module_mm, "".join(path))


def linear_svg(
    symbol: LinearSymbol | Sequence[LinearSymbol], *, module_mm: float, quiet: int, human_readable: bool
) -> bytes:
    """1D symbols with quiet zones, bearer bars (ITF-14) and an HRI line under each when asked;
    several symbols (a GS1-128 label split in two) are stacked, a symbol per line."""
    symbols = (symbol,) if isinstance(symbol, LinearSymbol) else tuple(symbol)
    canvas, places = linear_layouts(symbols, quiet=quiet, module_mm=module_mm, human_readable=human_readable)
    path: list[str] = []
    for one, layout in zip(symbols, places, strict=True):
        path.append(_bars_path(one.widths, layout.symbol_x, layout.symbol_y, layout.symbol_height))
        if layout.bearer:
            width = fmt(layout.width)
            thick = fmt(layout.bearer)
            path.append(f"M0 0h{width}v{thick}h-{width}z")
            path.append(f"M0 {fmt(layout.symbol_y + layout.symbol_height)}h{width}v{thick}h-{width}z")
    return _document(canvas, module_mm, "".join(path))


def _bars_path(widths: bytes, x0: float, top: float, height: float) -> str:
    """`M{x} {top}h{w}v{height}h-{w}z` for every bar, in one formatting call (no
    Python call per bar); x is `fmt(x0 + start)`, see `bar_lefts`."""
    lefts, spelling = bar_lefts(widths, x0)
    bars = widths[0::2]
    ends = _bar_ends(height)
    template = _bar_template(len(bars), spelling, top)
    return template % tuple(chain.from_iterable(zip(lefts, map(ends.__getitem__, bars), strict=True)))


@lru_cache(maxsize=64)
def _bar_template(count: int, spelling: str, top: float) -> str:
    return f"M{spelling} {fmt(top)}%s" * count


@lru_cache(maxsize=64)
def _bar_ends(height: float) -> tuple[str, ...]:
    """`h{w}v{height}h-{w}z` for each bar width w: the rest of a bar's path after its corner."""
    return tuple(f"h{w}v{fmt(height)}h-{w}z" for w in range(10))

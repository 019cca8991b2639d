"""SVG for 2D and 1D symbols at real size (width/height in mm), drawn in module units.

Dark modules form ONE `<path>` of run-length rectangles: a renderer anti-aliases each element
separately, so one `<rect>` per module leaves faint seams between neighbours that break
decoding at 300 dpi; inside one path the shared edges cancel. Horizontal runs also keep the
file small (~3,000 symbols/s to write).
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from labelkit.rendering.formats.layout import Layout, fmt, linear_layout, matrix_layout
from labelkit.rendering.model import BitMatrix
from labelkit.rendering.symbols.linear import LinearSymbol

_RUN = re.compile(b"\x01+")


def _document(layout: Layout, module_mm: float, path: str) -> bytes:
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1"'
        f' width="{fmt(layout.width * module_mm)}mm" height="{fmt(layout.height * module_mm)}mm"'
        f' viewBox="0 0 {fmt(layout.width)} {fmt(layout.height)}">\n',
        # An explicit light background: the quiet zone must stay light on any page colour.
        f'<rect width="{fmt(layout.width)}" height="{fmt(layout.height)}" fill="#fff"/>\n',
        f'<path fill="#000" shape-rendering="crispEdges" d="{path}"/>\n',
    ]
    if layout.lines:
        size = fmt(layout.text_size)
        parts.append(f'<g font-family="monospace" font-size="{size}" text-anchor="middle" fill="#000">\n')
        centre = fmt(layout.width / 2)
        for line, baseline in zip(layout.lines, layout.baselines, strict=True):
            parts.append(f'<text x="{centre}" y="{fmt(baseline)}">{escape(line)}</text>\n')
        parts.append("</g>\n")
    parts.append("</svg>\n")
    return "".join(parts).encode("utf-8")


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


def linear_svg(symbol: LinearSymbol, *, module_mm: float, quiet: int, human_readable: bool) -> bytes:
    """1D symbol with quiet zones, bearer bars (ITF-14) and the HRI line when asked."""
    layout = linear_layout(symbol, quiet=quiet, module_mm=module_mm, human_readable=human_readable)
    height = fmt(layout.symbol_height)
    top = fmt(layout.symbol_y)
    path: list[str] = []
    for run in _RUN.finditer(symbol.modules):
        n = run.end() - run.start()
        path.append(f"M{fmt(layout.symbol_x + run.start())} {top}h{n}v{height}h-{n}z")
    if layout.bearer:
        width = fmt(layout.width)
        thick = fmt(layout.bearer)
        path.append(f"M0 0h{width}v{thick}h-{width}z")
        path.append(f"M0 {fmt(layout.symbol_y + layout.symbol_height)}h{width}v{thick}h-{width}z")
    return _document(layout, module_mm, "".join(path))

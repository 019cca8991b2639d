"""A printer label drawn as SVG at printer dots: the dashboard's preview of a thermal label.

The SVG's user unit is one printer dot and its size is the label's (`^PW` x `^LL` for ZPL), so a
rasteriser at 1 px a unit gives the printer's bitmap. The symbol is our own encoder's modules at the
dot-exact module size, the HRI lines are text at the font height in dots; both are placed by the
language's own geometry (LabelGeometry and the language's `symbol_side`), so they cannot drift from
the printer file. The printer's font differs a little from the viewer's sans-serif, and a `native`
symbol is encoded by the printer's firmware (same size for Data Matrix; a QR may come out one
version larger, which the layout leaves room for).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from labelkit.gs1 import GS1Data
from labelkit.rendering.printer.geometry import LabelGeometry
from labelkit.rendering.printer.own_symbol import own_bars, own_matrix

# Where the text's baseline sits below the top of its ZPL field: a scalable font's ascent is
# about 0.8 of the cell height.
_BASELINE = 0.8


def _runs(row: bytes) -> list[tuple[int, int]]:
    """(start, length) of every run of dark modules in one row."""
    runs: list[tuple[int, int]] = []
    start = -1
    for i, dark in enumerate(row):
        if dark and start < 0:
            start = i
        elif not dark and start >= 0:
            runs.append((start, i - start))
            start = -1
    if start >= 0:
        runs.append((start, len(row) - start))
    return runs


def _module_path(rows: tuple[bytes, ...], x0: int, y0: int, dots: int, row_height: int) -> str:
    """One path of rectangles, one per horizontal run of dark modules: compact and dot-aligned."""
    parts = []
    for r, row in enumerate(rows):
        y = y0 + r * row_height
        for start, length in _runs(row):
            parts.append(f"M{x0 + start * dots} {y}h{length * dots}v{row_height}h{-length * dots}z")
    return "".join(parts)


def label_svg(geo: LabelGeometry, side: int, data: GS1Data) -> str:
    """The label as SVG; `side` is the dots the language reserves for a 2D symbol (its HRI
    starts beyond it), 0 for GS1-128."""
    x, y = geo.symbol_origin()
    if geo.linear:
        path = _module_path((own_bars(data),), x, y, geo.dots, geo.bar_height)
    else:
        matrix = own_matrix(geo.setup, data)
        path = _module_path(matrix.rows, x, y, geo.dots, geo.dots)
    text_x, text_y = geo.text_origin(side)
    texts = [
        f'<text x="{text_x}" y="{geo.line_y(text_y, n) + round(geo.font * _BASELINE)}">{escape(line)}</text>'
        for n, line in enumerate(geo.hri(data))
    ]
    w, h = geo.width, geo.height
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'shape-rendering="crispEdges">'
        f'<rect width="{w}" height="{h}" fill="#fff"/>'
        f'<path fill="#000" d="{path}"/>'
        f'<g font-family="sans-serif" font-size="{geo.font}" fill="#000">{"".join(texts)}</g>'
        "</svg>\n"
    )

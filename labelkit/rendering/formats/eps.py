"""Encapsulated PostScript for 1D symbols at real size (1 pt = 1/72 in).

The drawing is scaled to module units, so each bar is one `x w b` call with whole numbers;
HRI text uses the base-14 font Courier (no embedding) and is centred with `stringwidth`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

from labelkit.rendering.formats.layout import bar_lefts, fmt, linear_layouts
from labelkit.rendering.symbols.linear import LinearSymbol

_PT_PER_MM = 72 / 25.4
_PS_ESCAPE = str.maketrans({"\\": "\\\\", "(": "\\(", ")": "\\)"})


def _ps_string(text: str) -> str:
    # Lot/serial may contain parentheses and backslash-free AI-82 text only, but escape all three.
    return "(" + text.translate(_PS_ESCAPE) + ")"


def linear_eps(
    symbol: LinearSymbol | Sequence[LinearSymbol], *, module_mm: float, quiet: int, human_readable: bool
) -> bytes:
    """1D symbols as EPS; several (a GS1-128 label split in two) are stacked, a symbol per line."""
    symbols = (symbol,) if isinstance(symbol, LinearSymbol) else tuple(symbol)
    canvas, places = linear_layouts(symbols, quiet=quiet, module_mm=module_mm, human_readable=human_readable)
    scale = module_mm * _PT_PER_MM
    width_pt = canvas.width * scale
    height_pt = canvas.height * scale
    out = [
        "%!PS-Adobe-3.0 EPSF-3.0\n",
        f"%%BoundingBox: 0 0 {math.ceil(width_pt)} {math.ceil(height_pt)}\n",
        f"%%HiResBoundingBox: 0 0 {width_pt:.3f} {height_pt:.3f}\n",
        f"%%Title: {symbols[0].symbology}\n",
        "%%Creator: label-export\n",
        "%%LanguageLevel: 2\n",
        "%%Pages: 1\n",
        "%%EndComments\n",
        "%%Page: 1 1\n",
        "gsave\n",
        f"{scale:.6f} dup scale\n",
        f"1 setgray 0 0 {fmt(canvas.width)} {fmt(canvas.height)} rectfill 0 setgray\n",
    ]
    for one, layout in zip(symbols, places, strict=True):
        # PostScript's y axis points up: flip layout coordinates (measured from the top).
        bars_bottom = canvas.height - layout.symbol_y - layout.symbol_height
        out.append(f"/b {{ {fmt(bars_bottom)} exch {fmt(layout.symbol_height)} rectfill }} bind def\n")
        out.append(_bar_calls(one.widths, layout.symbol_x))
        if layout.bearer:
            w, t = fmt(layout.width), fmt(layout.bearer)
            out.append(f"0 {fmt(bars_bottom - layout.bearer)} {w} {t} rectfill\n")
            out.append(f"0 {fmt(bars_bottom + layout.symbol_height)} {w} {t} rectfill\n")
    if canvas.lines:
        out.append(f"/Courier findfont {fmt(canvas.text_size)} scalefont setfont\n")
        for text, baseline in zip(canvas.lines, canvas.baselines, strict=True):
            out.append(
                f"{fmt(canvas.width / 2)} {fmt(canvas.height - baseline)} moveto "
                f"{_ps_string(text)} dup stringwidth pop 2 div neg 0 rmoveto show\n"
            )
    out += ["grestore\n", "showpage\n", "%%EOF\n"]
    return "".join(out).encode("ascii")


def _bar_calls(widths: bytes, x0: float) -> str:
    """`{x} {w} b` for every bar, twelve to a line, in one formatting call."""
    lefts, spelling = bar_lefts(widths, x0)
    bars = widths[0::2]
    slots = chain.from_iterable(zip(lefts, bars, strict=True))
    return _calls_template(len(bars), spelling) % tuple(slots)


@lru_cache(maxsize=64)
def _calls_template(count: int, spelling: str) -> str:
    calls = [f"{spelling} %d b"] * count
    return "".join(" ".join(calls[i : i + _PER_LINE]) + "\n" for i in range(0, count, _PER_LINE))


_PER_LINE = 12

"""Encapsulated PostScript for 1D symbols at real size (1 pt = 1/72 in).

The drawing is scaled to module units, so each bar is one `x w b` call with whole numbers;
HRI text uses the base-14 font Courier (no embedding) and is centred with `stringwidth`.
"""

from __future__ import annotations

import math

from labelkit.rendering.formats.layout import fmt, linear_layout
from labelkit.rendering.symbols.linear import LinearSymbol

_PT_PER_MM = 72 / 25.4
_PS_ESCAPE = str.maketrans({"\\": "\\\\", "(": "\\(", ")": "\\)"})


def _ps_string(text: str) -> str:
    # Lot/serial may contain parentheses and backslash-free AI-82 text only, but escape all three.
    return "(" + text.translate(_PS_ESCAPE) + ")"


def linear_eps(symbol: LinearSymbol, *, module_mm: float, quiet: int, human_readable: bool) -> bytes:
    layout = linear_layout(symbol, quiet=quiet, module_mm=module_mm, human_readable=human_readable)
    scale = module_mm * _PT_PER_MM
    width_pt = layout.width * scale
    height_pt = layout.height * scale
    # PostScript's y axis points up: flip layout coordinates (measured from the top).
    bars_bottom = layout.height - layout.symbol_y - layout.symbol_height
    out = [
        "%!PS-Adobe-3.0 EPSF-3.0\n",
        f"%%BoundingBox: 0 0 {math.ceil(width_pt)} {math.ceil(height_pt)}\n",
        f"%%HiResBoundingBox: 0 0 {width_pt:.3f} {height_pt:.3f}\n",
        f"%%Title: {symbol.symbology}\n",
        "%%Creator: label-export\n",
        "%%LanguageLevel: 2\n",
        "%%Pages: 1\n",
        "%%EndComments\n",
        "%%Page: 1 1\n",
        "gsave\n",
        f"{scale:.6f} dup scale\n",
        f"1 setgray 0 0 {fmt(layout.width)} {fmt(layout.height)} rectfill 0 setgray\n",
        f"/b {{ {fmt(bars_bottom)} exch {fmt(layout.symbol_height)} rectfill }} bind def\n",
    ]
    x0 = layout.symbol_x
    line: list[str] = []
    start = -1
    modules = symbol.modules + b"\x00"
    for i, dark in enumerate(modules):
        if dark and start < 0:
            start = i
        elif not dark and start >= 0:
            line.append(f"{fmt(x0 + start)} {i - start} b")
            start = -1
            if len(line) == 12:
                out.append(" ".join(line) + "\n")
                line = []
    if line:
        out.append(" ".join(line) + "\n")
    if layout.bearer:
        w, t = fmt(layout.width), fmt(layout.bearer)
        out.append(f"0 {fmt(bars_bottom - layout.bearer)} {w} {t} rectfill\n")
        out.append(f"0 {fmt(bars_bottom + layout.symbol_height)} {w} {t} rectfill\n")
    if layout.lines:
        out.append(f"/Courier findfont {fmt(layout.text_size)} scalefont setfont\n")
        for text, baseline in zip(layout.lines, layout.baselines, strict=True):
            out.append(
                f"{fmt(layout.width / 2)} {fmt(layout.height - baseline)} moveto "
                f"{_ps_string(text)} dup stringwidth pop 2 div neg 0 rmoveto show\n"
            )
    out += ["grestore\n", "showpage\n", "%%EOF\n"]
    return "".join(out).encode("ascii")

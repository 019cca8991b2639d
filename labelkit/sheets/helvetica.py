"""Base-14 Helvetica: metrics and string encoding (WinAnsiEncoding), so text needs no embedded font.

Widths are from Adobe's Helvetica AFM in thousandths of an em, indexed by WinAnsi code.
Vertical extents are chosen to cover every WinAnsi glyph of the GS1 AI-82 character set with
a little to spare (parentheses reach 0.733 em up and 0.207 em down).
"""

from __future__ import annotations

#: Glyph extents used for layout, in em: nothing drawn goes above ASCENT or below -DESCENT.
ASCENT = 0.78
DESCENT = 0.23
#: Baseline-to-baseline distance in em.
LEADING = 1.1
#: Extra room left and right of a line, in em (some glyphs overhang their advance slightly).
SIDE_BEARING = 0.05

# fmt: off
_WIDTHS: tuple[int, ...] = (
    (0,) * 32
    + (
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
        350, 556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611,
        350, 350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500,
        667, 278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737,
        333, 400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834,
        611, 667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278,
        278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
        611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278,
        278, 556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
    )
)
# fmt: on
assert len(_WIDTHS) == 256

# Control characters have no glyph: show them as "?".
_NO_CONTROLS = bytes.maketrans(bytes(range(32)) + b"\x7f", b"?" * 33)


def encode(text: str) -> bytes:
    """`text` as WinAnsi bytes; characters Helvetica cannot show become "?"."""
    return text.encode("cp1252", "replace").translate(_NO_CONTROLS)


def width_em(encoded: bytes) -> float:
    """Advance width of WinAnsi-encoded text, in em."""
    return sum(map(_WIDTHS.__getitem__, encoded)) / 1000.0


def block_height_em(lines: int) -> float:
    """Height, in em, of `lines` stacked lines from the first's top to the last's bottom."""
    return 0.0 if lines <= 0 else ASCENT + DESCENT + (lines - 1) * LEADING

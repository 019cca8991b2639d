"""Content-stream operators for one label: its symbol as a 1-bit image mask, its HRI lines as text.

The symbol is an *inline* image mask (`BI /IM true /BPC 1 … EI`), one module per sample,
scaled to module size by `cm`; `/D [1 0]` makes a 1 bit (dark module) paint in the fill colour
(black). Inline rather than one image XObject per symbol: a page stays two objects whatever
its label count (small xref, tiny part records), and the page's one Flate stream compresses
all its symbols together. The samples are ASCIIHex-encoded (`/F /AHx`): hex digits and the `>`
terminator can never spell `EI`, so no reader can mistake binary data for the end of the image,
and Flate takes back most of the doubling.
"""

from __future__ import annotations

from collections.abc import Sequence

from labelkit.rendering.model import BitMatrix
from labelkit.rendering.pdf.syntax import literal_string
from labelkit.rendering.pdf.writer import FONT_RESOURCE
from labelkit.sheets.helvetica import LEADING

_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_FONT = FONT_RESOURCE.decode()


def mask_hex(matrix: BitMatrix) -> str:
    """The matrix packed MSB first, rows padded to whole bytes, as hex (1 = dark)."""
    if len(matrix.rows) != matrix.height or matrix.width < 1 or matrix.height < 1:
        raise ValueError("BitMatrix height and rows disagree, or the matrix is empty")
    pad = b"\x00" * (-matrix.width % 8)
    bits = (pad.join(matrix.rows) + pad).translate(_TO_DIGITS)
    row_bytes = (matrix.width + 7) // 8
    if len(bits) != row_bytes * 8 * matrix.height:
        raise ValueError("every BitMatrix row must be `width` bytes long")
    try:
        number = int(bits, 2)
    except ValueError:
        raise ValueError("BitMatrix modules must be 0 or 1") from None
    return number.to_bytes(row_bytes * matrix.height, "big").hex()


def symbol_ops(matrix: BitMatrix, x: float, y: float, module_pt: float) -> str:
    """Draw `matrix` with its bottom-left dark-module corner at (x, y)."""
    return (
        f"q {matrix.width * module_pt:.3f} 0 0 {matrix.height * module_pt:.3f} {x:.3f} {y:.3f} cm "
        f"BI /W {matrix.width} /H {matrix.height} /IM true /BPC 1 /D [1 0] /F /AHx ID "
        f"{mask_hex(matrix)}> EI Q\n"
    )


def text_ops(lines: Sequence[bytes], x: float, baseline: float, font_pt: float) -> str:
    """Left-aligned lines of WinAnsi text, the first with its baseline at (x, baseline)."""
    shown = " Tj T* ".join(literal_string(line).decode("latin-1") for line in lines)
    return (
        f"BT /{_FONT} {font_pt:.2f} Tf {font_pt * LEADING:.3f} TL {x:.3f} {baseline:.3f} Td {shown} Tj ET\n"
    )

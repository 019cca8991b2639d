"""EAN-13 (UPC-A is EAN-13 with a leading 0) and ITF as bar and space widths, from their tables.

Like code128.py: no image to read back. The widths are the ones zxing-cpp's writer (zint) drew
before, bar for bar: ITF with wide elements three modules wide (zint's ratio), EAN-13 with its
guard patterns (tests/unit/rendering/test_linear_golden.py holds both to the bytes).
"""

from __future__ import annotations

import re

# EAN-13 left-hand odd (L) codes per digit; G is R reversed, R is L inverted (ISO/IEC 15420).
_L = (
    "0001101",
    "0011001",
    "0010011",
    "0111101",
    "0100011",
    "0110001",
    "0101111",
    "0111011",
    "0110111",
    "0001011",
)
_R = tuple(code.translate(str.maketrans("01", "10")) for code in _L)
_G = tuple(code[::-1] for code in _R)
# The parity of the six left digits, chosen by the first digit (which has no bars of its own).
_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")
_RUNS = re.compile("1+|0+")

# ITF: each digit is five elements, N(arrow) = 1 module or W(ide) = 3; a pair of digits
# interleaves the first one's bars with the second one's spaces.
_ITF = ("NNWWN", "WNNNW", "NWNNW", "WWNNN", "NNWNW", "WNWNN", "NWWNN", "NNNWW", "WNNWN", "NWNWN")
_ITF_WIDTH = {"N": 1, "W": 3}
_ITF_START = bytes((1, 1, 1, 1))
_ITF_STOP = bytes((3, 1, 1))


def ean13_widths(digits: str) -> bytes:
    """The 95 modules of the EAN-13 symbol of 13 digits (check digit included), as widths."""
    parity = _PARITY[int(digits[0])]
    left = "".join((_L if p == "L" else _G)[int(d)] for p, d in zip(parity, digits[1:7], strict=True))
    right = "".join(_R[int(d)] for d in digits[7:])
    return bytes(map(len, _RUNS.findall("101" + left + "01010" + right + "101")))


def itf_widths(digits: str) -> bytes:
    """Interleaved 2 of 5 of an even number of digits (ITF-14: the 14 GTIN digits)."""
    elements = bytearray(_ITF_START)
    for i in range(0, len(digits), 2):
        bars, spaces = _ITF[int(digits[i])], _ITF[int(digits[i + 1])]
        for bar, space in zip(bars, spaces, strict=True):
            elements += bytes((_ITF_WIDTH[bar], _ITF_WIDTH[space]))
    return bytes(elements + _ITF_STOP)

"""The side of the square Data Matrix a printer's `^BX` chooses, without encoding the symbol.

ECC 200 in ASCII mode (as libdmtx and Zebra firmware encode GS1 data): a pair of digits is one
codeword, any other ASCII byte or FNC1 one; the symbol is the smallest square that holds them.
Knowing the side lets the native writer place the HRI beside the symbol at text speed.
"""

from __future__ import annotations

import re

# (side in modules, data codewords) for the square ECC 200 sizes.
_SQUARE = (
    (10, 3), (12, 5), (14, 8), (16, 12), (18, 18), (20, 22), (22, 30), (24, 36), (26, 44),
    (32, 62), (36, 86), (40, 114), (44, 144), (48, 174), (52, 204), (64, 280), (72, 368),
    (80, 456), (88, 576), (96, 696), (104, 816), (120, 1050), (132, 1304), (144, 1558),
)  # fmt: skip
_DIGIT_RUN = re.compile(r"\d+")


def ascii_codewords(data: str) -> int:
    """Codewords of `data` (FNC1 as one GS byte) in ASCII mode: digit pairs pack in one."""
    digits = sum(len(run) for run in _DIGIT_RUN.findall(data))
    pairs = sum(len(run) // 2 for run in _DIGIT_RUN.findall(data))
    return len(data) - digits + (digits - 2 * pairs) + pairs


def square_side(data: str) -> int:
    need = ascii_codewords(data)
    for side, capacity in _SQUARE:
        if capacity >= need:
            return side
    raise ValueError(f"{need} codewords do not fit one Data Matrix")

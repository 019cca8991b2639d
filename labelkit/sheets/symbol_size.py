"""How many modules a sheet symbol needs for the smallest data a label can carry.

The submit-time fit check (docs/contract.md#rendering-options: a label that cannot hold its symbol → 422)
runs before the items are known, so it sizes a typical label of the scope: GTIN, expiry, a 10-character lot
and, for serials, a 12-character serial. A configuration refused here would fail for ordinary data;
longer data that does not fit is caught by the renderer, which fails the job naming the entity.
Pure tables: no encoder needed in the API.
"""

from __future__ import annotations

import math

from labelkit.gs1 import GS1Data, digital_link_uri, element_string, hri_lines

# ECC 200 square symbols: (modules a side, data codewords), ISO/IEC 16022 table 7.
_DATAMATRIX = [
    (10, 3),
    (12, 5),
    (14, 8),
    (16, 12),
    (18, 18),
    (20, 22),
    (22, 30),
    (24, 36),
    (26, 44),
    (32, 62),
    (36, 86),
    (40, 114),
    (44, 144),
    (48, 174),
    (52, 204),
    (64, 280),
    (72, 368),
    (80, 456),
    (88, 576),
    (96, 696),
    (104, 816),
    (120, 1050),
    (132, 1304),
    (144, 1558),
]
# QR data codewords at error correction M, versions 1–40 (ISO/IEC 18004 table 7): every version,
# so any digital_link_base the API accepts sizes to a symbol (and a misfit is a 422, not a 500).
_QR_CODEWORDS_M = [
    16, 28, 44, 64, 86, 108, 124, 154, 182, 216,
    254, 290, 334, 365, 415, 453, 507, 563, 627, 669,
    714, 782, 860, 914, 1000, 1062, 1128, 1193, 1267, 1373,
    1455, 1541, 1631, 1725, 1812, 1914, 1992, 2102, 2216, 2334,
]  # fmt: skip
_QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")

TYPICAL_LOT = "LOT2611A07"
TYPICAL_SERIAL = "SN0000123456"
TYPICAL_EXPIRY = "2027-06-30"
_SAMPLE_GTIN = "09506000134352"


def datamatrix_codewords(data: str) -> int:
    """ASCII encodation: two consecutive digits share a codeword; FNC1/GS and any other char take one."""
    count = 0
    i = 0
    while i < len(data):
        if data[i].isdigit() and i + 1 < len(data) and data[i + 1].isdigit():
            i += 2
        else:
            i += 1
        count += 1
    return count


def datamatrix_side(data: str) -> int:
    needed = datamatrix_codewords(data)
    for side, capacity in _DATAMATRIX:
        if capacity >= needed:
            return side
    raise ValueError("data too long for a DataMatrix symbol")


def qr_bits(data: str) -> int:
    """A lower bound of the bits any encoder needs: each character at the cheapest mode that can
    carry it (numeric 10/3, alphanumeric 11/2, byte 8) plus one segment header. A lower bound, so
    the check never refuses a label an encoder could in fact fit."""
    digits = sum(c.isdigit() for c in data)
    alnum = sum(c in _QR_ALPHANUMERIC and not c.isdigit() for c in data)
    other = len(data) - digits - alnum
    return 4 + 8 + math.ceil(digits * 10 / 3 + alnum * 5.5 + other * 8)


def qr_side(data: str) -> int:
    needed = qr_bits(data)
    for version, codewords in enumerate(_QR_CODEWORDS_M, start=1):
        if codewords * 8 >= needed:
            return 17 + 4 * version
    raise ValueError("data too long for any QR Code symbol (version 40)")


def typical_label(
    *, scope: str, symbol: str, datamatrix_content: str, digital_link_base: str
) -> tuple[int, int]:
    """(modules a side without quiet zone, HRI lines) of a typical label of `scope`."""
    data = GS1Data.create(
        gtin=_SAMPLE_GTIN,
        lot=TYPICAL_LOT,
        expiry=TYPICAL_EXPIRY,
        serial=TYPICAL_SERIAL if scope == "serials" else None,
    )
    if symbol == "qr":
        side = qr_side(digital_link_uri(data, digital_link_base))
    elif datamatrix_content == "digital_link":
        side = datamatrix_side(digital_link_uri(data, digital_link_base))
    else:
        side = datamatrix_side(element_string(data))
    return side, len(hri_lines(data))

"""1D symbols (GS1-128, Code 128, EAN-13, UPC-A, ITF-14) as bar modules, via zxing-cpp's writer.

The writer draws 1 pixel per module; one pixel row is the whole symbol. EAN/UPC/ITF carry the
GTIN only (docs/contract.md#rendering-options); GS1-128 carries every AI with FNC1 (readers report `]C1`);
plain Code 128 carries the same element string without FNC1, GS separators included (`]C0`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import zxingcpp

from labelkit.gs1 import GS1Data, bracketed, element_string, hri
from labelkit.rendering.symbols.errors import SymbolEncodeError

_F = zxingcpp.BarcodeFormat

# Bar heights in modules, from the GS1 nominal sizes: EAN-13/UPC-A 22.85 mm at X = 0.33 mm;
# ITF-14 and GS1-128 31.75 mm at X = 0.495 mm (their smallest general-distribution X).
_EAN_HEIGHT = 22.85 / 0.33
_LOGISTIC_HEIGHT = 31.75 / 0.495


@dataclass(frozen=True, slots=True)
class LinearSymbol:
    """One 1D symbol: bars, what a reader reports, and the text printed under it."""

    modules: bytes  # one byte per module, 1 = bar; no quiet zone
    symbology: str  # e.g. "GS1-128"
    symbology_id: str  # AIM identifier a reader reports, e.g. "]C1"
    transmitted: str  # what a reader transmits after the identifier (GS as 0x1D)
    text: str  # HRI printed under the bars
    height_modules: float  # nominal bar height in modules
    bearer: bool = False  # ITF-14: bearer bars above and below


def _bars(content: str, fmt: zxingcpp.BarcodeFormat, name: str, **options: bool) -> bytes:
    try:
        symbol = zxingcpp.create_barcode(content, fmt, **options)
    except Exception as exc:  # zint's message, e.g. "Invalid check digit"
        raise SymbolEncodeError(f"{name}: {exc}") from None
    if symbol.format != fmt:
        raise SymbolEncodeError(f"{name}: writer returned {symbol.format}")
    if options.get("gs1") and symbol.symbology_identifier != "]C1":
        # The gs1 option is a keyword argument, which the writer would silently drop if unknown.
        raise SymbolEncodeError(f"{name}: writer did not make a GS1 symbol")
    image = symbol.to_image(scale=1, add_quiet_zones=False)
    _, width = image.shape
    # Row 0: EAN/UPC images also have shorter rows under the guard bars, and none are needed.
    return bytes(memoryview(cast(Any, image)))[:width].translate(_DARK)


_DARK = bytes(1 if v < 128 else 0 for v in range(256))


def _gtin_tail(data: GS1Data, keep: int, name: str) -> str:
    drop = 14 - keep
    if data.gtin[:drop] != "0" * drop:
        raise SymbolEncodeError(f"GTIN {data.gtin} does not fit {name} (it needs {drop} leading zero(s))")
    return data.gtin[drop:]


def encode_linear(barcode_type: str, data: GS1Data) -> LinearSymbol:
    """The 1D symbol for `barcode_type` (docs/contract.md#rendering-options `barcode_type`; `auto` is
    GS1-128)."""
    if barcode_type in ("auto", "gs1_128"):
        transmitted = element_string(data, leading_fnc1=False)
        bars = _bars(bracketed(data), _F.Code128, "GS1-128", gs1=True)
        return LinearSymbol(bars, "GS1-128", "]C1", transmitted, hri(data), _LOGISTIC_HEIGHT)
    if barcode_type == "code128":
        transmitted = element_string(data, leading_fnc1=False)
        bars = _bars(transmitted, _F.Code128, "Code 128")
        return LinearSymbol(bars, "Code 128", "]C0", transmitted, hri(data), _LOGISTIC_HEIGHT)
    if barcode_type == "ean13":
        digits = _gtin_tail(data, 13, "EAN-13")
        bars = _bars(digits, _F.EAN13, "EAN-13")
        return LinearSymbol(bars, "EAN-13", "]E0", digits, digits, _EAN_HEIGHT)
    if barcode_type == "upca":
        digits = _gtin_tail(data, 12, "UPC-A")
        bars = _bars(digits, _F.UPCA, "UPC-A")
        # Readers transmit UPC-A as EAN-13 with a leading 0 under the EAN identifier.
        return LinearSymbol(bars, "UPC-A", "]E0", "0" + digits, digits, _EAN_HEIGHT)
    if barcode_type == "itf14":
        # Plain ITF with the 14 digits: zint's ITF-14 adds a bearer frame without inner quiet
        # zone, so the bearer bars are drawn by the writers instead.
        bars = _bars(data.gtin, _F.ITF, "ITF-14")
        return LinearSymbol(bars, "ITF-14", "]I1", data.gtin, data.gtin, _LOGISTIC_HEIGHT, bearer=True)
    raise ValueError(f"unknown barcode_type {barcode_type!r}")

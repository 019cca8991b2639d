"""1D symbols (GS1-128, Code 128, EAN-13, UPC-A, ITF-14) as bar and space widths.

EAN/UPC/ITF carry the GTIN only (docs/contract.md#rendering-options); GS1-128 carries every AI
with FNC1 (readers report `]C1`); plain Code 128 carries the same element string without FNC1,
GS separators included (`]C0`). All come from our own encoders (code128.py, ean_itf.py): widths
straight from the symbol characters' tables, one pass, no image to read back, and the same
symbols zxing-cpp's writer (zint) drew before.

GS1-128 holds at most 48 data characters (labelkit/gs1/gs1_128.py): `encode_linear` refuses a
longer label, `encode_linear_label` splits it over two symbols when asked to.
"""

from __future__ import annotations

from dataclasses import dataclass

from labelkit.gs1 import GS1Data, element_string, hri
from labelkit.gs1.element_string import pairs_element_string, pairs_hri
from labelkit.gs1.gs1_128 import MAX_DATA_CHARACTERS, Overflow, Pairs, symbol_groups, too_long_message
from labelkit.rendering.symbols.code128 import bar_widths, codewords
from labelkit.rendering.symbols.ean_itf import ean13_widths, itf_widths
from labelkit.rendering.symbols.errors import SymbolEncodeError

# Bar heights in modules, from the GS1 nominal sizes: EAN-13/UPC-A 22.85 mm at X = 0.33 mm;
# ITF-14 and GS1-128 31.75 mm at X = 0.495 mm (their smallest general-distribution X).
_EAN_HEIGHT = 22.85 / 0.33
_LOGISTIC_HEIGHT = 31.75 / 0.495

#: The barcode types drawn as GS1-128, and the GTIN digits EAN-13 and UPC-A carry (the GTIN-14
#: needs that many minus 14 leading zeros).
GS1_128_TYPES = frozenset({"auto", "gs1_128"})
GTIN_DIGITS = {"ean13": 13, "upca": 12}

# (bar width, space width) -> their modules, for `LinearSymbol.modules`.
_PAIR_MODULES = {(b, s): b"\x01" * b + b"\x00" * s for b in range(1, 10) for s in range(10)}


@dataclass(frozen=True, slots=True)
class LinearSymbol:
    """One 1D symbol: bars, what a reader reports, and the text printed under it."""

    widths: bytes  # element widths in modules: bar, space, bar, ... ending with a bar; no quiet zone
    symbology: str  # e.g. "GS1-128"
    symbology_id: str  # AIM identifier a reader reports, e.g. "]C1"
    transmitted: str  # what a reader transmits after the identifier (GS as 0x1D)
    text: str  # HRI printed under the bars
    height_modules: float  # nominal bar height in modules
    bearer: bool = False  # ITF-14: bearer bars above and below

    @property
    def width(self) -> int:
        """Modules from the first bar to the last."""
        return sum(self.widths)

    @property
    def modules(self) -> bytes:
        """One byte per module, 1 = bar (for raster writers)."""
        w = self.widths
        return b"".join(map(_PAIR_MODULES.__getitem__, zip(w[0::2], w[1::2] + b"\x00", strict=True)))


def _gtin_tail(data: GS1Data, keep: int, name: str) -> str:
    drop = 14 - keep
    if data.gtin[:drop] != "0" * drop:
        raise SymbolEncodeError(f"GTIN {data.gtin} does not fit {name} (it needs {drop} leading zero(s))")
    return data.gtin[drop:]


def gs1_128(pairs: Pairs) -> LinearSymbol:
    """One GS1-128 symbol of `pairs`; SymbolEncodeError over 48 data characters."""
    transmitted = pairs_element_string(pairs, leading_fnc1=False)
    if len(transmitted) > MAX_DATA_CHARACTERS:
        raise SymbolEncodeError(too_long_message(len(transmitted)))
    widths = bar_widths(codewords(transmitted, gs1=True))
    return LinearSymbol(widths, "GS1-128", "]C1", transmitted, pairs_hri(pairs), _LOGISTIC_HEIGHT)


def encode_linear(barcode_type: str, data: GS1Data) -> LinearSymbol:
    """The one 1D symbol for `barcode_type` (docs/contract.md#rendering-options `barcode_type`;
    `auto` is GS1-128)."""
    if barcode_type in GS1_128_TYPES:
        return gs1_128(tuple(data.pairs()))
    if barcode_type == "code128":
        transmitted = element_string(data, leading_fnc1=False)
        widths = bar_widths(codewords(transmitted, gs1=False))
        return LinearSymbol(widths, "Code 128", "]C0", transmitted, hri(data), _LOGISTIC_HEIGHT)
    if barcode_type == "ean13":
        digits = _gtin_tail(data, GTIN_DIGITS["ean13"], "EAN-13")
        widths = ean13_widths(digits)
        return LinearSymbol(widths, "EAN-13", "]E0", digits, digits, _EAN_HEIGHT)
    if barcode_type == "upca":
        digits = _gtin_tail(data, GTIN_DIGITS["upca"], "UPC-A")
        widths = ean13_widths("0" + digits)
        # Readers transmit UPC-A as EAN-13 with a leading 0 under the EAN identifier.
        return LinearSymbol(widths, "UPC-A", "]E0", "0" + digits, digits, _EAN_HEIGHT)
    if barcode_type == "itf14":
        # Plain ITF with the 14 digits: zint's ITF-14 adds a bearer frame without inner quiet
        # zone, so the bearer bars are drawn by the writers instead.
        widths = itf_widths(data.gtin)
        return LinearSymbol(widths, "ITF-14", "]I1", data.gtin, data.gtin, _LOGISTIC_HEIGHT, bearer=True)
    raise ValueError(f"unknown barcode_type {barcode_type!r}")


def encode_linear_label(barcode_type: str, data: GS1Data, *, overflow: Overflow) -> tuple[LinearSymbol, ...]:
    """The 1D symbols of one label, top to bottom: one, or two GS1-128 symbols when the data is
    over 48 characters and `overflow` is "split" (else SymbolEncodeError saying why)."""
    if barcode_type not in GS1_128_TYPES or overflow == "refuse":
        return (encode_linear(barcode_type, data),)
    return tuple(gs1_128(group) for group in symbol_groups(data))

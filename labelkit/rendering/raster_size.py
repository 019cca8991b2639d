"""How many pixels the raster symbols of an export can reach, known before any item is read.

The submit check sizes the largest label the catalog can hold (20-character lot and serial of the
costliest characters, every AI), with the real encoders at one pixel per module, so no label of an
accepted job can exceed `MAX_SYMBOL_PIXELS`. It takes a few milliseconds and imports nothing of
the export spec (which calls it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from labelkit.gs1 import GS1Data, digital_link_uri, element_string
from labelkit.gs1.gs1_128 import DEFAULT_OVERFLOW, Overflow
from labelkit.rendering.formats.layout import linear_matrix
from labelkit.rendering.formats.png import pixels_per_module
from labelkit.rendering.symbols.code128 import bar_widths, codewords
from labelkit.rendering.symbols.datamatrix import encode_datamatrix
from labelkit.rendering.symbols.linear import GS1_128_TYPES, LinearSymbol, encode_linear_label, gs1_128
from labelkit.rendering.symbols.qr import encode_qr

# Defaults per symbol family (docs/contract.md#rendering-options), used when asset_config leaves module_mm /
# quiet zone out.
DEFAULT_MODULE_MM = {"datamatrix": 0.5, "qr": 0.5, "linear": 0.33}
DEFAULT_QUIET_ZONE = {"datamatrix": 2, "qr": 4, "linear": 10}

# '!' is one Data Matrix codeword, a byte in QR and three characters ('%21') in a Digital Link URI:
# never cheaper than any other character a lot or serial may hold.
_WORST_LOT_OR_SERIAL = "!" * 20
_WORST_GTIN = "00036000291452"  # a GTIN-12: every barcode_type can carry it


@dataclass(frozen=True, slots=True)
class RasterSize:
    family: str  # "datamatrix", "qr" or "linear"
    width_px: int
    height_px: int

    @property
    def pixels(self) -> int:
        return self.width_px * self.height_px


@dataclass(frozen=True, slots=True)
class RasterKnobs:
    """The asset_config values that size a raster symbol (None: the family's default)."""

    dpi: int
    module_mm: float | None
    quiet_zone_modules: int | None
    barcode_type: str
    datamatrix_content: str
    digital_link_base: str
    # Left out (the inline cost estimate): sized as split, the larger of the two.
    gs1_128_overflow: Overflow = DEFAULT_OVERFLOW


def largest_rasters(*, export_type: str, scope: str, knobs: RasterKnobs) -> list[RasterSize]:
    """The size of each raster file of the largest label `export_type` can draw for `scope`."""
    data = GS1Data.create(
        gtin=_WORST_GTIN,
        lot=_WORST_LOT_OR_SERIAL,
        expiry=dt.date.today(),
        serial=_WORST_LOT_OR_SERIAL if scope == "serials" else None,
    )
    sizes: list[RasterSize] = []
    if export_type == "datamatrix":
        if knobs.datamatrix_content == "gs1":
            matrix = encode_datamatrix(element_string(data), gs1=True)
        else:
            matrix = encode_datamatrix(digital_link_uri(data, knobs.digital_link_base), gs1=False)
        sizes.append(_matrix_size("datamatrix", matrix.width, matrix.height, knobs))
    if export_type in ("qr_codes", "codes_combined"):
        matrix = encode_qr(digital_link_uri(data, knobs.digital_link_base))
        sizes.append(_matrix_size("qr", matrix.width, matrix.height, knobs))
    if export_type == "codes_combined":
        quiet = _quiet("linear", knobs)
        linear = linear_matrix(_largest_linear(knobs, data), quiet=quiet)
        scale = _scale("linear", knobs)
        sizes.append(RasterSize("linear", linear.width * scale, linear.height * scale))
    return sizes


def _largest_linear(knobs: RasterKnobs, data: GS1Data) -> tuple[LinearSymbol, ...]:
    """The 1D symbols of the largest label. GS1-128 data over 48 characters split in two symbols
    stacked; when such data is refused instead, the largest drawn is one symbol of at most 48
    characters, no wider than the whole longest data in one symbol, which is what is sized then."""
    if knobs.gs1_128_overflow == "refuse" and knobs.barcode_type in GS1_128_TYPES:
        whole = element_string(data, leading_fnc1=False)
        widths = bar_widths(codewords(whole, gs1=True))
        return (replace(gs1_128(tuple(data.pairs())[:1]), widths=widths),)
    return encode_linear_label(knobs.barcode_type, data, overflow=knobs.gs1_128_overflow)


def _quiet(family: str, knobs: RasterKnobs) -> int:
    return knobs.quiet_zone_modules if knobs.quiet_zone_modules is not None else DEFAULT_QUIET_ZONE[family]


def _scale(family: str, knobs: RasterKnobs) -> int:
    module_mm = knobs.module_mm if knobs.module_mm is not None else DEFAULT_MODULE_MM[family]
    return pixels_per_module(module_mm, knobs.dpi)


def _matrix_size(family: str, width: int, height: int, knobs: RasterKnobs) -> RasterSize:
    quiet, scale = _quiet(family, knobs), _scale(family, knobs)
    return RasterSize(family, (width + 2 * quiet) * scale, (height + 2 * quiet) * scale)

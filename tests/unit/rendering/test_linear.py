from __future__ import annotations

import datetime as dt

import pytest

from labelkit.gs1 import GS, GS1Data
from labelkit.rendering.formats.eps import linear_eps
from labelkit.rendering.formats.layout import linear_matrix
from labelkit.rendering.formats.png import encode_png, pixels_per_module
from labelkit.rendering.formats.svg import linear_svg
from labelkit.rendering.symbols.errors import SymbolEncodeError
from labelkit.rendering.symbols.linear import encode_linear
from tests.support.readers import decode_image, decode_png, needs_gs, needs_rsvg, rasterize_eps, rasterize_svg

TODAY = dt.date(2026, 11, 28)
UPC_GTIN = "00036000291452"  # fits every symbology
DATA = [
    GS1Data.create(gtin=UPC_GTIN, lot="LOT1"),
    GS1Data.create(gtin=UPC_GTIN, lot='A/B%C&D+E"F', serial="S(1)", expiry="271231", today=TODAY),
    # 61 GS1-128 data characters: plain Code 128 carries them, one GS1-128 symbol may not
    # (test_gs1_128_capacity.py has the split).
    GS1Data.create(gtin=UPC_GTIN, lot="12345678901234567890", serial="98765432109876543210", today=TODAY),
]
TOO_LONG = {("auto", 2), ("gs1_128", 2)}
EXPECTED = {
    "auto": ("]C1", None),
    "gs1_128": ("]C1", None),
    "code128": ("]C0", None),
    "ean13": ("]E0", "0036000291452"),
    "upca": ("]E0", "0036000291452"),
    "itf14": ("]I1", UPC_GTIN),
}


def _expected(kind: str, data: GS1Data) -> tuple[str, str]:
    ident, fixed = EXPECTED[kind]
    if fixed is not None:
        return ident, fixed
    text = "01" + data.gtin + ("17" + data.expiry if data.expiry else "") + "10" + (data.lot or "")
    if data.serial:
        text += GS + "21" + data.serial
    return ident, text


@pytest.mark.parametrize("kind", list(EXPECTED))
@pytest.mark.parametrize("data", DATA)
def test_symbol_reports_what_it_carries(kind: str, data: GS1Data) -> None:
    if (kind, DATA.index(data)) in TOO_LONG:
        with pytest.raises(SymbolEncodeError, match="61 characters; one GS1-128 symbol holds at most 48"):
            encode_linear(kind, data)
        return
    symbol = encode_linear(kind, data)
    assert (symbol.symbology_id, symbol.transmitted) == _expected(kind, data)
    assert set(symbol.modules) == {0, 1} and symbol.modules[0] == 1 and symbol.modules[-1] == 1
    png = encode_png(linear_matrix(symbol, quiet=10), scale=3, quiet_x=0, quiet_y=0, dpi=300)
    assert decode_png(png) == [_expected(kind, data)]


@needs_rsvg
@pytest.mark.parametrize("kind", list(EXPECTED))
@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("human_readable", [True, False])
def test_svg_decodes(kind: str, data: GS1Data, human_readable: bool) -> None:
    if (kind, DATA.index(data)) in TOO_LONG:
        return
    symbol = encode_linear(kind, data)
    svg = linear_svg(symbol, module_mm=0.33, quiet=10, human_readable=human_readable)
    assert decode_image(rasterize_svg(svg)) == [_expected(kind, data)]


@needs_gs
@pytest.mark.parametrize("kind", list(EXPECTED))
@pytest.mark.parametrize("data", DATA)
def test_eps_decodes(kind: str, data: GS1Data) -> None:
    if (kind, DATA.index(data)) in TOO_LONG:
        return
    symbol = encode_linear(kind, data)
    eps = linear_eps(symbol, module_mm=0.33, quiet=10, human_readable=True)
    assert decode_image(rasterize_eps(eps)) == [_expected(kind, data)]


@needs_gs
def test_eps_real_size_at_300_dpi() -> None:
    symbol = encode_linear("ean13", DATA[0])
    eps = linear_eps(symbol, module_mm=0.33, quiet=10, human_readable=False)
    image = rasterize_eps(eps, dpi=300)
    expected_px = (95 + 20) * 0.33 / 25.4 * 300
    assert abs(image.size[0] - expected_px) <= 2
    assert abs(image.size[1] - (22.85 / 25.4 * 300)) <= 2


def test_gtin_must_fit_the_symbology() -> None:
    indicator = GS1Data.create(gtin="10614141000415")
    with pytest.raises(SymbolEncodeError, match="EAN-13"):
        encode_linear("ean13", indicator)
    with pytest.raises(SymbolEncodeError, match="UPC-A"):
        encode_linear("upca", GS1Data.create(gtin="09506000134352"))
    assert encode_linear("itf14", indicator).transmitted == "10614141000415"
    with pytest.raises(ValueError):
        encode_linear("ean8", indicator)


def test_png_1d_size_and_bearers() -> None:
    symbol = encode_linear("itf14", DATA[0])
    scale = pixels_per_module(0.33, 300)
    matrix = linear_matrix(symbol, quiet=10)
    assert matrix.width == len(symbol.modules) + 20 == symbol.width + 20
    assert set(matrix.rows[0]) == {1} and set(matrix.rows[-1]) == {1}  # bearer bars
    assert matrix.rows[2][:10] == bytes(10)  # quiet zone under the bearer is light
    png = encode_png(matrix, scale=scale, quiet_x=0, quiet_y=0, dpi=300)
    assert decode_png(png) == [("]I1", UPC_GTIN)]

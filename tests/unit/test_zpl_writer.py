"""ZPL labels: rendered by an independent renderer (Zebrash), then decoded by zxing-cpp.

Every symbol must read back the exact GS1 data with the right symbology identifier, at every
resolution, for the printer's own encoders (`native`) and for our module matrix (`graphic`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labelkit.gs1 import GS1Data, digital_link_uri, element_string, hri
from labelkit.rendering.printer import FitError, PrinterLabel, PrinterSetup, module_dots
from labelkit.rendering.printer.language import Symbol, SymbolMode
from labelkit.rendering.printer.zpl import ZplWriter
from labelkit.rendering.symbols.datamatrix import encode_datamatrix
from tests.support.zpl_render import render_and_decode

BASE = "https://id.gs1.org"
# AI-82 characters that ZPL or URIs treat specially: `_` (the usual ^BX escape), `>` (^BC codes).
LOTS = ['LOT_1X"&%/+', "_5F_1>0", "A+B/C%D&E"]
SIZES = {"datamatrix": (101.6, 50.8, 0.5), "qr": (101.6, 50.8, 0.4), "gs1_128": (150.0, 50.8, 0.25)}
IDS = {"datamatrix": "]d2", "qr": "]Q1", "gs1_128": "]C1"}


def _setup(symbol: Symbol, mode: SymbolMode, dpi: int, **over: object) -> PrinterSetup:
    width, height, module = SIZES[symbol]
    fields: dict[str, object] = dict(
        dpi=dpi,
        label_width_mm=width,
        label_height_mm=height,
        symbol=symbol,
        module_mm=module,
        quiet_zone_modules={"datamatrix": 2, "qr": 4, "gs1_128": 10}[symbol],
        human_readable=True,
        digital_link_base=BASE,
        symbols=mode,
    )
    fields.update(over)
    return PrinterSetup(**fields)  # type: ignore[arg-type]


def _data(lot: str, n: int) -> GS1Data:
    return GS1Data.create(gtin="09506000134352", lot=lot, serial=f"S{n}", expiry="2027-12-31")


@pytest.mark.parametrize("dpi", [203, 300, 600])
@pytest.mark.parametrize("mode", ["native", "graphic"])
@pytest.mark.parametrize("symbol", ["datamatrix", "qr", "gs1_128"])
def test_every_label_scans_exactly(symbol: Symbol, mode: SymbolMode, dpi: int, tmp_path: Path) -> None:
    setup = _setup(symbol, mode, dpi)
    if mode == "native" and symbol != "datamatrix" and module_dots(setup.module_mm, dpi) > 10:
        with pytest.raises(FitError, match="native"):
            ZplWriter(setup)
        return
    writer = ZplWriter(setup)
    items = [(f"ent-{n}", _data(lot, n)) for n, lot in enumerate(LOTS)]
    for _, data in items:
        writer.check_fit(data)
    doc = "".join(writer.block(PrinterLabel(eid, data)) for eid, data in items)
    assert doc.isascii()
    width, height, _ = SIZES[symbol]
    labels = render_and_decode(doc, width_mm=width, height_mm=height, dpi=dpi, tmp=tmp_path)
    assert len(labels) == len(items)
    for found, (_, data) in zip(labels, items, strict=True):
        want = digital_link_uri(data, BASE) if symbol == "qr" else hri(data)
        assert [(d.symbology_id, d.text) for d in found] == [(IDS[symbol], want)]


@pytest.mark.parametrize("dpi", [203, 300, 600])
@pytest.mark.parametrize("module_mm", [0.05, 0.1, 0.25, 0.33, 0.5, 0.76])  # 0.05 at 203 dpi: 0.4 dots -> 1
def test_module_is_whole_dots_closest_to_module_mm(dpi: int, module_mm: float) -> None:
    writer = ZplWriter(_setup("datamatrix", "native", dpi, module_mm=module_mm))
    block = writer.block(PrinterLabel("e", _data("L1", 1)))
    dots = max(1, round(module_mm * dpi / 25.4))
    assert re.search(rf"\^BXN,{dots},200,,,,#\^FD", block)
    x_mm = round(dots * 25.4 / dpi, 3)
    assert f"x_mm={x_mm} dots={dots} dpi={dpi}" in block.splitlines()[1]
    # graphic: the ^GF bitmap is the symbol's side x dots wide and tall (rows padded to bytes).
    graphic = ZplWriter(_setup("datamatrix", "graphic", dpi, module_mm=module_mm))
    found = re.search(r"\^GFA,(\d+),\d+,(\d+),", graphic.block(PrinterLabel("e", _data("L1", 1))))
    assert found
    side = encode_datamatrix(element_string(_data("L1", 1)), gs1=True).width * dots
    assert (int(found[2]), int(found[1])) == (-(-side // 8), -(-side // 8) * side)


def test_gs1_rules_in_the_native_fields() -> None:
    data = _data("LOT_1X>", 7)
    dm = ZplWriter(_setup("datamatrix", "native", 203)).block(PrinterLabel("e", data))
    # FNC1 first and after the variable-length lot; `_` stays `_`.
    assert "^FD#10109506000134352172712311" + "0LOT_1X>#121S7^FS" in dm
    bc = ZplWriter(_setup("gs1_128", "native", 203)).block(PrinterLabel("e", data))
    assert "^FD>;>80109506000134352172712311" + "0>6LOT_1X>0>821S7^FS" in bc
    qr = ZplWriter(_setup("qr", "native", 203)).block(PrinterLabel("e", data))
    assert (
        "\x1d" not in qr
        and "^FDMA,https://id.gs1.org/01/09506000134352/10/LOT_1X%3E/21/S7?17=271231^FS" in qr
    )


def test_fx_manifest_opens_every_block() -> None:
    writer = ZplWriter(_setup("datamatrix", "graphic", 300))
    block = writer.block(PrinterLabel("id^with~odd", _data("L", 1)))
    lines = block.splitlines()
    assert lines[0] == "^XA" and lines[-1] == "^XZ"
    assert lines[1].startswith("^FXentity=id%5Ewith%7Eodd data=(01)09506000134352(17)271231(10)L(21)S1 ")


def test_symbol_that_does_not_fit_names_the_sizes() -> None:
    writer = ZplWriter(_setup("gs1_128", "native", 203, label_width_mm=50.8, module_mm=0.5))
    with pytest.raises(
        FitError, match=r"needs \d+ x \d+ dots .* the label is 406 x 406 dots \(50.8 x 50.8 mm\)"
    ):
        writer.check_fit(_data("LOT", 1))


def test_native_datamatrix_side_matches_the_encoder() -> None:
    """The native writer sizes ^BX from codeword counts; it must agree with a real encoder."""
    from labelkit.rendering.printer.dm_size import square_side

    for n, lot in enumerate([*LOTS, "1", "12", "123456789012345678AB", "A1B2C3"]):
        text = element_string(_data(lot, n * 7919))
        assert square_side(text) == encode_datamatrix(text, gs1=True).width


@pytest.mark.parametrize("mode", ["native", "graphic"])
@pytest.mark.parametrize("symbol", ["datamatrix", "qr", "gs1_128"])
def test_hri_follows_gs1(symbol: Symbol, mode: SymbolMode) -> None:
    """AIs in brackets, no FNC1 or escape printed: one line per AI beside a 2D symbol, one line
    under GS1-128."""
    block = ZplWriter(_setup(symbol, mode, 300)).block(PrinterLabel("e", _data("LOT_1X>", 7)))
    text = re.findall(r"\^A0N,\d+,\d+\^FD(.*?)\^FS", block)
    lines = ["(01)09506000134352", "(17)271231", "(10)LOT_1X>", "(21)S7"]
    assert text == (["".join(lines)] if symbol == "gs1_128" else lines)
    no_hri = ZplWriter(_setup(symbol, mode, 300, human_readable=False)).block(
        PrinterLabel("e", _data("L", 1))
    )
    assert "^A0N" not in no_hri

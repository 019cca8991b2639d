"""GS1-128 within GS1's 48 data characters (separator FNC1s counted): 48 prints as one symbol, 49
is refused naming the entity and the count, or split over two GS1-128 symbols a line each,
every one decoding as `]C1` and the pair carrying exactly the entity's element string."""

from __future__ import annotations

import datetime as dt

import pytest

from labelkit.gs1 import GS, GS1Data, element_string
from labelkit.gs1.gs1_128 import MAX_DATA_CHARACTERS, data_characters, symbol_groups
from labelkit.rendering.batch import LabelDataError, RenderSpec, render_batch
from labelkit.rendering.model import ItemRow, LabelItem
from labelkit.rendering.printer import PrinterSetup
from labelkit.rendering.printer_batch import render_printer_rows
from labelkit.rendering.symbols.errors import SymbolEncodeError
from labelkit.rendering.symbols.linear import encode_linear, encode_linear_label
from tests.support.readers import (
    decode_image,
    decode_png,
    needs_gs,
    needs_rsvg,
    rasterize_eps,
    rasterize_svg,
)

GTIN = "09506000134352"
EXPIRY = dt.date(2027, 6, 30)


def item(serial: str, lot: str = "LOT0000042", entity_id: str = "ent-1") -> LabelItem:
    # (01) 16 + (17) 8 + (10) 12 + FNC1 1 + (21) 2 + serial: 39 + len(serial) characters.
    return LabelItem(entity_id=entity_id, gtin=GTIN, lot=lot, expiry=EXPIRY, serial=serial)


def data(it: LabelItem) -> GS1Data:
    return GS1Data.create(gtin=it.gtin, lot=it.lot, expiry=it.expiry, serial=it.serial)


AT_LIMIT = item("SN0000042")  # 48
OVER = item("SN00000042", entity_id="ent-49")  # 49
LONGEST = item("Z" * 20, lot="Z" * 20)  # 69: the longest label the catalog can hold


def test_the_count_is_the_transmitted_data_separators_included() -> None:
    for it, count in ((AT_LIMIT, 48), (OVER, 49), (LONGEST, 69)):
        d = data(it)
        assert data_characters(tuple(d.pairs())) == len(element_string(d, leading_fnc1=False)) == count
    lot_only = GS1Data.create(gtin=GTIN, lot="Z" * 20, expiry=EXPIRY)  # a lot label: never over
    assert data_characters(tuple(lot_only.pairs())) == 46


def test_48_characters_make_one_symbol_that_decodes() -> None:
    d = data(AT_LIMIT)
    symbol = encode_linear("gs1_128", d)
    assert symbol.transmitted == element_string(d, leading_fnc1=False)
    (only,) = encode_linear_label("gs1_128", d, overflow="split")
    assert only == symbol
    png = render_batch([AT_LIMIT], RenderSpec.from_job("codes_combined", "png", {}))[0].files[1].data
    assert decode_png(png) == [("]C1", symbol.transmitted)]


def test_49_characters_are_refused_naming_the_entity_and_the_count() -> None:
    with pytest.raises(SymbolEncodeError, match="49 characters; one GS1-128 symbol holds at most 48"):
        encode_linear("gs1_128", data(OVER))
    for barcode_type in ("auto", "gs1_128"):
        spec = RenderSpec.from_job(
            "barcodes_1d", "svg", {"barcode_type": barcode_type, "gs1_128_overflow": "refuse"}
        )
        with pytest.raises(LabelDataError) as info:
            render_batch([AT_LIMIT, OVER], spec)
        assert info.value.entity_id == "ent-49"
        assert str(info.value).startswith("entity ent-49: its GS1-128 data is 49 characters")
        assert "gs1_128_overflow 'split'" in str(info.value)


def test_other_1d_types_are_not_bound_by_the_gs1_128_limit() -> None:
    # Plain Code 128 has no data-character limit; EAN/UPC/ITF carry the GTIN only.
    d = data(LONGEST)
    assert encode_linear("code128", d).transmitted == element_string(d, leading_fnc1=False)
    assert encode_linear("itf14", d).transmitted == GTIN


@pytest.mark.parametrize("it", [OVER, LONGEST, item("1" * 20, lot="2" * 20)], ids=["49", "69", "digits"])
def test_the_split_follows_the_concatenation_rules(it: LabelItem) -> None:
    d = data(it)
    first, second = symbol_groups(d)
    assert [ai for ai, _ in first] == ["01", "17", "10"] and [ai for ai, _ in second] == ["21"]
    symbols = encode_linear_label("auto", d, overflow="split")
    assert len(symbols) == 2
    for symbol in symbols:
        assert symbol.symbology_id == "]C1" and len(symbol.transmitted) <= MAX_DATA_CHARACTERS
    # The lot ends the first symbol, so it needs no separator; the second starts at AI 21.
    assert not symbols[0].transmitted.endswith(GS) and symbols[1].transmitted.startswith("21")
    assert GS.join(s.transmitted for s in symbols) == element_string(d, leading_fnc1=False)
    assert [s.text for s in symbols] == [
        f"(01){GTIN}(17)270630(10){it.lot}",
        f"(21){it.serial}",
    ]


def _files(it: LabelItem, export_type: str, file_format: str) -> tuple[bytes, str]:
    spec = RenderSpec.from_job(export_type, file_format, {"gs1_128_overflow": "split"})
    (label,) = render_batch([it], spec)
    return label.files[-1].data, label.manifest_rows[-1].encoded_data


@needs_rsvg
@needs_gs
@pytest.mark.parametrize("it", [OVER, LONGEST], ids=["49", "69"])
@pytest.mark.parametrize(
    ("export_type", "file_format"),
    [("barcodes_1d", "svg"), ("barcodes_1d", "eps"), ("codes_combined", "svg"), ("codes_combined", "png")],
)
def test_every_split_symbol_decodes_and_the_pair_is_the_element_string(
    it: LabelItem, export_type: str, file_format: str
) -> None:
    body, manifest_data = _files(it, export_type, file_format)
    if file_format == "svg":
        found = decode_image(rasterize_svg(body))
    elif file_format == "eps":
        found = decode_image(rasterize_eps(body))
    else:
        found = decode_png(body)
    expected = element_string(data(it), leading_fnc1=False)
    assert [ident for ident, _ in found] == ["]C1", "]C1"]
    assert GS.join(text for _, text in found) == expected
    assert manifest_data == expected.replace(GS, "{GS}")


def test_a_split_svg_prints_a_line_of_text_under_each_symbol() -> None:
    body, _ = _files(LONGEST, "barcodes_1d", "svg")
    text = body.decode()
    assert text.count("<text ") == 2
    assert f">(01){GTIN}(17)270630(10){'Z' * 20}</text>" in text
    assert f">(21){'Z' * 20}</text>" in text


def test_thermal_gs1_128_refuses_the_label_naming_the_entity_and_the_count() -> None:
    setup = PrinterSetup(
        dpi=203,
        label_width_mm=100,
        label_height_mm=30,
        symbol="gs1_128",
        module_mm=0.25,
        quiet_zone_modules=2,
        human_readable=True,
        digital_link_base="https://id.gs1.org",
        symbols="native",
    )
    rows: list[ItemRow] = [
        (it.entity_id, it.gtin, it.lot, it.expiry, it.serial)
        for it in (AT_LIMIT, item("SN00000042", entity_id="ent-2"))
    ]
    with pytest.raises(LabelDataError) as info:
        render_printer_rows(rows, setup, "zpl")
    assert info.value.entity_id == "ent-2" and "49 characters" in info.value.reason
    text, count = render_printer_rows(rows[:1], setup, "zpl")
    assert count == 1 and b"^BC" in text

from __future__ import annotations

import datetime as dt
import pickle
import typing

import pytest

from labelkit.export_spec import BarcodeType
from labelkit.rendering.batch import (
    LabelDataError,
    RenderedLabel,
    RenderSpec,
    render_batch,
)
from labelkit.rendering.model import LabelItem
from tests.support.readers import (
    decode_image,
    decode_png,
    joined_gs1_128,
    needs_gs,
    needs_rsvg,
    rasterize_eps,
    rasterize_svg,
)

GTIN = "09506000134352"
LOTS = ['A/B%C&D+E"F', "12345678901234567890", "lot-1", "(10)X"]


def _items() -> list[LabelItem]:
    items = []
    n = 0
    for lot in LOTS:
        for serial in (None, 'S/N%&+"x', "98765432109876543210"):
            for expiry in (None, dt.date(2027, 6, 30)):
                items.append(LabelItem(entity_id=f"e{n}", gtin=GTIN, lot=lot, expiry=expiry, serial=serial))
                n += 1
    return items


def test_spec_defaults_from_empty_config() -> None:
    spec = RenderSpec.from_job("datamatrix", "png", {})
    assert spec == RenderSpec(export_type="datamatrix", file_format="png")
    assert spec.module_for("datamatrix") == 0.5 and spec.quiet_for("datamatrix") == 2
    assert spec.module_for("qr") == 0.5 and spec.quiet_for("qr") == 4
    assert spec.module_for("linear") == 0.33 and spec.quiet_for("linear") == 10
    assert spec.digital_link_base == "https://id.gs1.org"
    custom = RenderSpec.from_job(
        "datamatrix", "png", {"module_mm": 1, "dpi": 600}, digital_link_base="https://x.io/"
    )
    assert custom.module_for("qr") == 1.0 and custom.dpi == 600 and custom.digital_link_base == "https://x.io"


BARCODE_TYPES = typing.get_args(BarcodeType)


@pytest.mark.parametrize(
    ("export_type", "file_format", "config", "fragment"),
    [
        ("sheet_pdf", "pdf", {}, "export_type"),
        ("datamatrix", "eps", {}, "file_format"),
        ("datamatrix", "png", {"colour": "red"}, "asset_config.colour"),
        ("datamatrix", "png", {"dpi": 0}, "asset_config.dpi"),
        ("datamatrix", "png", {"dpi": True}, "asset_config.dpi"),
        ("datamatrix", "png", {"module_mm": "1"}, "asset_config.module_mm"),
        ("datamatrix", "png", {"human_readable": "yes"}, "asset_config.human_readable"),
        ("barcodes_1d", "svg", {"barcode_type": "ean8"}, "asset_config.barcode_type"),
        ("datamatrix", "png", {"datamatrix_content": "url"}, "asset_config.datamatrix_content"),
        ("qr_codes", "png", {"digital_link_base": "ftp://x"}, "asset_config.digital_link_base"),
    ],
)
def test_spec_rejections_name_the_key(
    export_type: str, file_format: str, config: dict[str, object], fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment.replace(".", r"\.")):
        RenderSpec.from_job(export_type, file_format, config)


def test_sheet_keys_are_accepted_and_ignored() -> None:
    assert RenderSpec.from_job("datamatrix", "png", {"sheet_template": "63up_1in_letter", "symbol": "qr"})


def test_datamatrix_png_every_symbol_decodes_to_its_manifest_data() -> None:
    items = _items()
    spec = RenderSpec.from_job("datamatrix", "png", {})
    labels = render_batch(items, spec)
    assert [lb.entity_id for lb in labels] == [it.entity_id for it in items]
    names = set()
    for item, label in zip(items, labels, strict=True):
        (file,) = label.files
        (row,) = label.manifest_rows
        assert not file.compress and file.name.endswith(".png")
        assert row.file_name == file.name and row.entity_id == item.entity_id
        assert row.symbology_id == "]d2"
        (found,) = decode_png(file.data)
        assert found[0] == "]d2"
        assert found[1].replace("\x1d", "{GS}") == row.encoded_data
        expected = "01" + GTIN
        if item.expiry:
            expected += "17270630"
        expected += "10" + item.lot
        if item.serial:
            expected += "\x1d21" + item.serial
        assert found[1] == expected
        names.add(file.name.casefold())
    # Expiry is not part of the name (a lot has one expiry), so count distinct lot/serial pairs.
    assert len(names) == len({(it.lot, it.serial) for it in items})


def test_datamatrix_digital_link_content() -> None:
    item = LabelItem("e1", GTIN, "L/1", dt.date(2027, 6, 30), "S 1".replace(" ", "+"))
    spec = RenderSpec.from_job("datamatrix", "png", {"datamatrix_content": "digital_link"})
    (label,) = render_batch([item], spec)
    uri = "https://id.gs1.org/01/09506000134352/10/L%2F1/21/S%2B1?17=270630"
    assert decode_png(label.files[0].data) == [("]d1", uri)]
    assert label.manifest_rows[0].encoded_data == uri


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        (LabelItem("bad-gtin", "09506000134353", "L"), "gtin: check digit"),
        (LabelItem("bad-lot", GTIN, "L O T"), "lot: character 2"),
        (LabelItem("long-serial", GTIN, "L", None, "S" * 21), "serial: has 21 characters"),
        (LabelItem("bad-year", GTIN, "L", dt.date(2099, 1, 1)), "expiry: year 2099"),
    ],
)
def test_item_errors_name_the_entity_and_pickle(item: LabelItem, fragment: str) -> None:
    spec = RenderSpec.from_job("datamatrix", "png", {})
    good = LabelItem("ok", GTIN, "L")
    with pytest.raises(LabelDataError) as info:
        render_batch([good, item], spec)
    assert info.value.entity_id == item.entity_id
    assert fragment in info.value.reason
    assert str(info.value).startswith(f"entity {item.entity_id}: ")
    back = pickle.loads(pickle.dumps(info.value))
    assert (back.entity_id, back.reason) == (info.value.entity_id, info.value.reason)


def test_results_pickle_and_render_is_deterministic() -> None:
    spec = RenderSpec.from_job("datamatrix", "png", {})
    items = _items()[:5]
    first = render_batch(items, spec)
    again: list[RenderedLabel] = pickle.loads(pickle.dumps(first))
    assert again == first == render_batch(items, spec)
    assert pickle.loads(pickle.dumps(spec)) == spec


ALL_GTIN = "00036000291452"  # fits EAN-13, UPC-A and ITF-14 too
COMBOS = [
    ("datamatrix", "svg", {}),
    ("datamatrix", "svg", {"human_readable": False, "datamatrix_content": "digital_link"}),
    ("qr_codes", "png", {}),
    ("qr_codes", "svg", {"digital_link_base": "https://brand.example/p/"}),
    *[("barcodes_1d", fmt, {"barcode_type": bt}) for fmt in ("svg", "eps") for bt in BARCODE_TYPES],
    ("codes_combined", "svg", {}),
    ("codes_combined", "png", {"barcode_type": "ean13"}),
]


def _decode(name: str, body: bytes) -> list[tuple[str, str]]:
    """What the file carries; a GS1-128 label split over two symbols as its one manifest row."""
    if name.endswith(".png"):
        return joined_gs1_128(decode_png(body))
    if name.endswith(".svg"):
        return joined_gs1_128(decode_image(rasterize_svg(body)))
    return joined_gs1_128(decode_image(rasterize_eps(body)))


@needs_rsvg
@needs_gs
@pytest.mark.parametrize(("export_type", "file_format", "config"), COMBOS)
def test_every_type_and_format_decodes_to_its_manifest_row(
    export_type: str, file_format: str, config: dict[str, object]
) -> None:
    items = [
        LabelItem("e1", ALL_GTIN, 'A/B%C&D+E"F', dt.date(2027, 6, 30), "S/N%&+x"),
        LabelItem("e2", ALL_GTIN, "12345678901234567890", None, "98765432109876543210"),
        LabelItem("e3", ALL_GTIN, "lot(1)", None, None),
    ]
    spec = RenderSpec.from_job(export_type, file_format, config)
    labels = render_batch(items, spec)
    per_entity = 2 if export_type == "codes_combined" else 1
    for label in labels:
        assert len(label.files) == len(label.manifest_rows) == per_entity
        for file, row in zip(label.files, label.manifest_rows, strict=True):
            assert row.file_name == file.name
            assert file.compress == (not file.name.endswith(".png"))
            found = _decode(file.name, file.data)
            assert found == [(row.symbology_id, row.encoded_data.replace("{GS}", "\x1d"))], file.name
        if export_type == "codes_combined":
            assert label.files[0].name.endswith(f"_qr.{file_format}")
            assert label.files[1].name.endswith(f"_1d.{file_format}")
            assert label.manifest_rows[0].symbology_id == "]Q1"


def test_symbol_errors_become_label_errors() -> None:
    spec = RenderSpec.from_job("barcodes_1d", "svg", {"barcode_type": "upca"})
    with pytest.raises(LabelDataError) as info:
        render_batch([LabelItem("x1", GTIN, "L")], spec)
    assert info.value.entity_id == "x1" and "UPC-A" in info.value.reason


def test_hri_only_when_asked() -> None:
    item = LabelItem("e1", GTIN, "L1")
    with_text = render_batch([item], RenderSpec.from_job("datamatrix", "svg", {}))[0].files[0].data
    without = render_batch([item], RenderSpec.from_job("datamatrix", "svg", {"human_readable": False}))
    assert b"(01)09506000134352" in with_text
    assert b"<text" not in without[0].files[0].data


def test_runs_in_a_forkserver_process_pool() -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    spec = RenderSpec.from_job("datamatrix", "png", {})
    items = _items()[:3]
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        remote = pool.submit(render_batch, items, spec).result(timeout=60)
        assert remote == render_batch(items, spec)
        failing = pool.submit(render_batch, [LabelItem("bad", GTIN, "L O T")], spec)
        with pytest.raises(LabelDataError) as info:
            failing.result(timeout=60)
    assert info.value.entity_id == "bad"

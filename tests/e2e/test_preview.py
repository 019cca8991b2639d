"""The preview route behind the dashboard: it draws one label of every allowed type/format pair
that an independent reader decodes, a thermal label as its ZPL at the chosen resolution, a sheet as
a one-page PDF; it validates like a submit and keeps to the caller's organization."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
import zxingcpp

from tests.support.api import Api, Tenant
from tests.support.preview_sample import GS, GTIN, SAMPLE_DIGITAL_LINK, SAMPLE_ELEMENT_STRING, SAMPLE_GTIN
from tests.support.readers import (
    decode_image,
    decode_pdf_cells,
    decode_png,
    needs_gs,
    needs_pdf_tools,
    needs_rsvg,
    qpdf_check,
    rasterize_eps,
    rasterize_svg,
)
from tests.support.zpl_render import render_and_decode

if TYPE_CHECKING:
    pass

pytestmark = pytest.mark.e2e

PREVIEW = "/products/api/v1/labels/preview/"


@pytest.fixture
async def api(api_url: str, tenant: Tenant) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, api_url, tenant)


# --- the preview route ---------------------------------------------------------------------------


PAIRS: list[Any] = [
    pytest.param("datamatrix", "png", {}, decode_png, ("]d2", SAMPLE_ELEMENT_STRING), id="dm-png"),
    pytest.param(
        "datamatrix",
        "svg",
        {},
        lambda b: decode_image(rasterize_svg(b)),
        ("]d2", SAMPLE_ELEMENT_STRING),
        id="dm-svg",
        marks=needs_rsvg,
    ),
    pytest.param("qr_codes", "png", {}, decode_png, ("]Q1", SAMPLE_DIGITAL_LINK), id="qr-png"),
    pytest.param(
        "qr_codes",
        "svg",
        {},
        lambda b: decode_image(rasterize_svg(b)),
        ("]Q1", SAMPLE_DIGITAL_LINK),
        id="qr-svg",
        marks=needs_rsvg,
    ),
    pytest.param(
        "barcodes_1d",
        "svg",
        {},
        lambda b: decode_image(rasterize_svg(b)),
        ("]C1", SAMPLE_ELEMENT_STRING),
        id="1d-svg",
        marks=needs_rsvg,
    ),
    pytest.param(
        "barcodes_1d",
        "eps",
        {},
        lambda b: decode_image(rasterize_eps(b)),
        ("]C1", SAMPLE_ELEMENT_STRING),
        id="1d-eps",
        marks=needs_gs,
    ),
    pytest.param(
        "barcodes_1d",
        "svg",
        {"asset_config": {"barcode_type": "upca"}},
        lambda b: decode_image(rasterize_svg(b)),
        ("]E0", SAMPLE_GTIN[1:]),  # readers report UPC-A as the EAN-13 it is a subset of
        id="upca-svg",
        marks=needs_rsvg,
    ),
    pytest.param(
        "codes_combined",
        "png",
        {"combined_symbol": "qr"},
        decode_png,
        ("]Q1", SAMPLE_DIGITAL_LINK),
        id="combined-qr",
    ),
    pytest.param(
        "codes_combined",
        "png",
        {"combined_symbol": "1d"},
        decode_png,
        ("]C1", SAMPLE_ELEMENT_STRING),
        id="combined-1d",
    ),
]
MEDIA = {"png": "image/png", "svg": "image/svg+xml", "eps": "application/postscript"}


@pytest.mark.parametrize(("export_type", "file_format", "extra", "read", "expected"), PAIRS)
async def test_preview_draws_a_sample_label_a_reader_decodes(
    api: Api,
    export_type: str,
    file_format: str,
    extra: dict[str, Any],
    read: Callable[[bytes], list[tuple[str, str]]],
    expected: tuple[str, str],
) -> None:
    body: dict[str, Any] = {"export_type": export_type, "file_format": file_format, **extra}
    data, headers = await preview_bytes(api, body)
    assert headers["Content-Type"] == MEDIA[file_format]
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "RateLimit-Limit" in headers
    assert read(data) == [expected]


async def preview_bytes(api: Api, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The answer's exact bytes (the Api helper decodes non-JSON bodies as text)."""
    async with api.session.post(
        api.base_url + PREVIEW, json=body, headers={"X-API-Key": api.api_key or ""}
    ) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.read(), dict(resp.headers)


@pytest.mark.parametrize("dpi", [203, 600])
async def test_preview_of_a_thermal_label_is_its_zpl_at_the_chosen_resolution(
    api: Api, dpi: int, tmp_path: Path
) -> None:
    """The one block the export would hold, at printer_dpi: the independent renderer draws it and
    zxing-cpp reads the sample's data; the ^FX line names the dots of that resolution."""
    body = {"export_type": "thermal_labels", "file_format": "zpl", "asset_config": {"printer_dpi": dpi}}
    data, headers = await preview_bytes(api, body)
    assert headers["Content-Type"] == "application/vnd.zebra-zpl"
    text = data.decode("ascii")
    dots = round(0.5 * dpi / 25.4)
    assert f"x_mm={round(dots * 25.4 / dpi, 3)} dots={dots} dpi={dpi}" in text.splitlines()[1]
    scanned = render_and_decode(text, width_mm=50.8, height_mm=25.4, dpi=dpi, tmp=tmp_path)
    assert [[(d.symbology_id, d.text) for d in found] for found in scanned] == [
        [("]d2", f"(01){SAMPLE_GTIN}(17)301231(10)LOT001(21)SN0001")]
    ]


@needs_pdf_tools
async def test_preview_of_a_sheet_is_a_one_page_pdf_with_that_label(api: Api, tmp_path: Path) -> None:
    from labelkit.sheets.templates import BUILTIN_TEMPLATES

    body = {
        "export_type": "sheet_pdf",
        "file_format": "pdf",
        "asset_config": {"sheet_template": "24up_70x37mm_a4"},
    }
    data, _ = await preview_bytes(api, body)
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    qpdf_check(path)
    cells = decode_pdf_cells(path, BUILTIN_TEMPLATES["24up_70x37mm_a4"], 1, zxingcpp.BarcodeFormat.DataMatrix)
    assert cells == [("]d2", SAMPLE_ELEMENT_STRING)]


async def test_preview_of_own_entities_and_not_of_another_organizations(
    api: Api, api_url: str, other_tenant: Tenant
) -> None:
    product = await api.product(GTIN)
    lot = (await api.lots(product["id"], [{"lot_number": "PRV-9", "expiry_date": "2029-02-28"}]))["ids"][0]
    serial = (await api.serials(lot, ["S-42"]))["ids"][0]

    look = {"export_type": "datamatrix", "file_format": "png"}
    assert decode_png((await preview_bytes(api, {**look, "serial_id": serial}))[0]) == [
        ("]d2", f"01{GTIN}17290228" + f"10PRV-9{GS}21S-42")
    ]
    assert decode_png((await preview_bytes(api, {**look, "lot_id": lot}))[0]) == [
        ("]d2", f"01{GTIN}17290228" + "10PRV-9")
    ]

    other = Api(api.session, api_url, other_tenant)
    for field, entity in (("serial_id", serial), ("lot_id", lot)):
        answer = await other.post(PREVIEW, {**look, field: entity})
        assert answer.status == 404, answer.body
        assert answer.body["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"export_type": "datamatrix", "file_format": "eps"}, ["file_format"]),
        ({"export_type": "qr_codes", "file_format": "png", "scope": "lots"}, ["scope"]),
        (
            {"export_type": "qr_codes", "file_format": "png", "asset_config": {"symbol": "qr"}},
            ["asset_config.symbol"],
        ),
        (
            {"export_type": "qr_codes", "file_format": "png", "asset_config": {"dpi": "300"}},
            ["asset_config.dpi"],
        ),
        (
            {
                "export_type": "sheet_pdf",
                "file_format": "pdf",
                "asset_config": {"sheet_template": {"columns": 0}},
            },
            [
                "asset_config.sheet_template.page_width_mm",
                "asset_config.sheet_template.page_height_mm",
                "asset_config.sheet_template.rows",
                "asset_config.sheet_template.label_width_mm",
                "asset_config.sheet_template.label_height_mm",
                "asset_config.sheet_template.columns",
            ],
        ),
        (
            {
                "export_type": "datamatrix",
                "file_format": "png",
                "lot_id": "6f1c1d54-8f59-4a57-a1b5-0c8d8c0f4a11",
                "serial_id": "6f1c1d54-8f59-4a57-a1b5-0c8d8c0f4a12",
            },
            ["serial_id"],
        ),
        ({"export_type": "datamatrix", "file_format": "png", "combined_symbol": "qr"}, ["combined_symbol"]),
        # 10 mm modules at 2400 dpi with a 100-module quiet zone: a 45-gigapixel PNG, refused at once.
        (
            {
                "export_type": "datamatrix",
                "file_format": "png",
                "asset_config": {"dpi": 2400, "module_mm": 10, "quiet_zone_modules": 100},
            },
            ["asset_config.dpi"],
        ),
        # A GS1-128 with its text is far wider than the default 50.8 mm thermal label.
        (
            {"export_type": "thermal_labels", "file_format": "zpl", "asset_config": {"symbol": "gs1_128"}},
            ["asset_config.label_size_mm"],
        ),
        ({"export_type": "datamatrix", "file_format": "zpl"}, ["file_format"]),
    ],
)
async def test_preview_validates_like_a_submit(api: Api, body: dict[str, Any], fields: list[str]) -> None:
    answer = await api.post(PREVIEW, body)
    assert answer.status == 422, answer.body
    error = answer.body["error"]
    assert error["code"] == "VALIDATION_ERROR" and error["status"] == 422
    assert [d["field"] for d in error["details"]] == fields


async def test_preview_needs_a_key(api_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        anonymous = Api(session, api_url, None)
        answer = await anonymous.post(PREVIEW, {"export_type": "datamatrix", "file_format": "png"})
    assert answer.status == 401 and answer.body["error"]["code"] == "UNAUTHORIZED"


# --- the browser ---------------------------------------------------------------------------------

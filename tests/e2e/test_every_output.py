"""Every export type × file format × scope (docs/contract.md#export-types-and-formats) on a catalog of
awkward data, through the whole system; every symbol is decoded with zxing-cpp (after rasterising SVG with
rsvg-convert, EPS with Ghostscript, PDF with pdftoppm cell by cell) and compared, content and symbology
identifier, with what the catalog holds. The expected data is built here by hand from the GS1 rules, not with
the project's GS1 code."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
import zxingcpp
from PIL import Image

from labelkit.sheets.templates import BUILTIN_TEMPLATES
from tests.support.api import Api, Tenant
from tests.support.readers import (
    decode_image,
    decode_pdf_cells,
    joined_gs1_128,
    needs_gs,
    needs_pdf_tools,
    needs_rsvg,
    pdf_page_texts,
    qpdf_check,
    rasterize_eps,
    rasterize_svg,
)

pytestmark = [pytest.mark.e2e, needs_rsvg, needs_gs, needs_pdf_tools]

GTIN = "09506000134352"
GS = "\x1d"
LOTS = [
    {"lot_number": 'A/B%C&D+E"F', "expiry_date": "2027-03-31"},
    {"lot_number": "L" * 20},
    {"lot_number": "lot-001", "expiry_date": "2028-12-01"},
    {"lot_number": "Q!(x)*,.:;<=>?_'"},
]
SERIALS = ['S/1%2&3+4"5', "9" * 20, "abc-XYZ_01"]
SERIAL_LOT = {"lot_number": "SER/LOT", "expiry_date": "2029-02-28"}


def yymmdd(iso: str) -> str:
    return iso[2:4] + iso[5:7] + iso[8:10]


def element_string(lot: str, expiry: str | None, serial: str | None) -> str:
    """As a reader transmits it after `]d2`/`]C1`: no leading FNC1; GS after a variable AI not last."""
    text = "01" + GTIN + (f"17{yymmdd(expiry)}" if expiry else "") + "10" + lot
    return text + (f"{GS}21{serial}" if serial else "")


def digital_link(lot: str, expiry: str | None, serial: str | None) -> str:
    uri = f"https://id.gs1.org/01/{GTIN}/10/{quote(lot, safe='')}"
    uri += f"/21/{quote(serial, safe='')}" if serial else ""
    return uri + (f"?17={yymmdd(expiry)}" if expiry else "")


def hri(lot: str, expiry: str | None, serial: str | None) -> str:
    return (
        f"(01){GTIN}"
        + (f"(17){yymmdd(expiry)}" if expiry else "")
        + f"(10){lot}"
        + (f"(21){serial}" if serial else "")
    )


@pytest.fixture(scope="module")
async def catalog(
    api_url: str, render_replicas: Any, db: Any
) -> AsyncIterator[tuple[Api, list[dict[str, Any]]]]:
    """One organization with awkward lots and serials; `entities[scope]` lists (id, lot, expiry, serial)."""
    from tests.support.tenants import make_tenant

    tenant: Tenant = await make_tenant(db, "every-output")
    async with aiohttp.ClientSession() as session:
        api = Api(session, api_url, tenant)
        product = await api.product(GTIN)
        lot_ids = (await api.lots(product["id"], [*LOTS, SERIAL_LOT]))["ids"]
        serial_ids = (await api.serials(lot_ids[-1], SERIALS))["ids"]
        lots = [
            (i, lot["lot_number"], lot.get("expiry_date"), None)
            for i, lot in zip(lot_ids, [*LOTS, SERIAL_LOT], strict=True)
        ]
        serials = [
            (i, SERIAL_LOT["lot_number"], SERIAL_LOT["expiry_date"], s)
            for i, s in zip(serial_ids, SERIALS, strict=True)
        ]
        yield api, [{"lots": lots, "serials": serials}]


async def run_export(api: Api, body: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    receipt = await api.submit(body)
    assert receipt.status == 202, receipt.body
    status = await api.wait_terminal(receipt.body["job_id"], timeout=120)
    assert status["status"] == "completed", status
    async with api.session.get(status["download_url"]) as resp:
        assert resp.status == 200
        data = await resp.read()
    assert len(data) == status["file_size_bytes"]
    return status, data


def decode_file(name: str, data: bytes) -> list[tuple[str, str]]:
    """What the file carries; a GS1-128 label split over two symbols (data over 48 characters,
    e.g. a 20-digit serial with expiry) as its one manifest row."""
    if name.endswith(".png"):
        image = Image.open(io.BytesIO(data))
        assert image.mode == "1", f"{name} is not a 1-bit PNG"
        assert round(image.info["dpi"][0]) == 300
        return joined_gs1_128(decode_image(image))
    if name.endswith(".svg"):
        return joined_gs1_128(decode_image(rasterize_svg(data)))
    assert name.endswith(".eps")
    return joined_gs1_128(decode_image(rasterize_eps(data)))


ZIP_CASES = [
    ("datamatrix", "png", {}),
    ("datamatrix", "svg", {}),
    ("datamatrix", "png", {"datamatrix_content": "digital_link"}),
    ("qr_codes", "png", {}),
    ("qr_codes", "svg", {}),
    ("barcodes_1d", "svg", {}),
    ("barcodes_1d", "eps", {}),
    ("barcodes_1d", "eps", {"barcode_type": "ean13"}),
    ("codes_combined", "svg", {}),
    ("codes_combined", "png", {}),
]


def expected_symbols(
    export_type: str, config: dict[str, Any], lot: str, expiry: str | None, serial: str | None
) -> list[tuple[str, str]]:
    gs1, link = element_string(lot, expiry, serial), digital_link(lot, expiry, serial)
    if export_type == "datamatrix":
        return [("]d1", link)] if config.get("datamatrix_content") == "digital_link" else [("]d2", gs1)]
    if export_type == "qr_codes":
        return [("]Q1", link)]
    linear = ("]E0", GTIN[1:]) if config.get("barcode_type") == "ean13" else ("]C1", gs1)
    if export_type == "barcodes_1d":
        return [linear]
    return [("]Q1", link), linear]  # codes_combined: QR then 1D


@pytest.mark.parametrize("scope", ["lots", "serials"])
@pytest.mark.parametrize(
    ("export_type", "file_format", "config"),
    ZIP_CASES,
    ids=[f"{t}-{f}{'-' + '-'.join(c.values()) if c else ''}" for t, f, c in ZIP_CASES],
)
async def test_zip_exports_decode_exactly(
    catalog: tuple[Api, list[dict[str, Any]]],
    scope: str,
    export_type: str,
    file_format: str,
    config: dict[str, Any],
) -> None:
    api, [entities] = catalog
    items = entities[scope]
    status, data = await run_export(
        api,
        {
            "scope": scope,
            "export_type": export_type,
            "file_format": file_format,
            "asset_config": config,
            "filters": {"gtins": [GTIN]},
        },
    )
    assert status["output_filename"] == f"{export_type}-{scope}-{status['job_id'][:4]}-{len(items)}.zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    per_entity = 2 if export_type == "codes_combined" else 1
    assert len(archive.namelist()) == len(items) * per_entity + 1
    assert [row["entity_id"] for row in manifest] == [i for i, *_ in items for _ in range(per_entity)]
    names = [row["file_name"] for row in manifest]
    assert len(set(names)) == len(names) and all("/" not in n and "\\" not in n for n in names)
    for n, (_, lot, expiry, serial) in enumerate(items):
        rows = manifest[n * per_entity : (n + 1) * per_entity]
        expected = expected_symbols(export_type, config, lot, expiry, serial)
        for row, want in zip(rows, expected, strict=True):
            info = archive.getinfo(row["file_name"])
            assert info.compress_type == (
                zipfile.ZIP_STORED if info.filename.endswith(".png") else zipfile.ZIP_DEFLATED
            )
            decoded = decode_file(info.filename, archive.read(info))
            assert decoded == [want], f"{info.filename}: {decoded} != {want}"
            assert row["hri"] == hri(lot, expiry, serial)
            assert row["encoded_data"] == want[1].replace(GS, "{GS}")
            assert row["symbology_id"] == want[0]


PDF_CASES = [
    ("63up_1in_letter", "datamatrix"),
    ("30up_1x2.625in_letter", "qr"),
    ("24up_70x37mm_a4", "datamatrix"),
]


@pytest.mark.parametrize("scope", ["lots", "serials"])
@pytest.mark.parametrize(("template", "symbol"), PDF_CASES)
async def test_sheet_pdf_decodes_cell_by_cell(
    catalog: tuple[Api, list[dict[str, Any]]], tmp_path: Path, scope: str, template: str, symbol: str
) -> None:
    api, [entities] = catalog
    items = entities[scope]
    status, data = await run_export(
        api,
        {
            "scope": scope,
            "export_type": "sheet_pdf",
            "file_format": "pdf",
            "asset_config": {"sheet_template": template, "symbol": symbol},
            "filters": {"gtins": [GTIN]},
        },
    )
    assert status["output_filename"] == f"sheet-{status['job_id'][:4]}-{len(items)}.pdf"
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    qpdf_check(path)
    formats = zxingcpp.BarcodeFormat.QRCode if symbol == "qr" else zxingcpp.BarcodeFormat.DataMatrix
    decoded = decode_pdf_cells(path, BUILTIN_TEMPLATES[template], len(items), formats)
    if symbol == "qr":
        assert decoded == [("]Q1", digital_link(lot, exp, ser)) for _, lot, exp, ser in items]
    else:
        assert decoded == [("]d2", element_string(lot, exp, ser)) for _, lot, exp, ser in items]
    text = "".join(pdf_page_texts(path)).replace("\n", "")
    for _, lot, expiry, serial in items:
        for part in (
            f"(01){GTIN}",
            f"(10){lot}",
            *([f"(17){yymmdd(expiry)}"] if expiry else []),
            *([f"(21){serial}"] if serial else []),
        ):
            assert part in text, f"{part!r} not found in the PDF text"


async def test_an_empty_sheet_export_fails_clearly(catalog: tuple[Api, list[dict[str, Any]]]) -> None:
    api, _ = catalog
    receipt = await api.submit(
        {
            "scope": "lots",
            "export_type": "sheet_pdf",
            "file_format": "pdf",
            "filters": {"gtins": ["00614141000012"]},
        }
    )
    status = await api.wait_terminal(receipt.body["job_id"])
    assert status["status"] == "failed" and "no labels" in status["error"]


async def test_a_label_too_small_for_its_symbol_is_refused_at_submit(
    catalog: tuple[Api, list[dict[str, Any]]],
) -> None:
    api, _ = catalog
    answer = await api.submit(
        {
            "scope": "lots",
            "export_type": "sheet_pdf",
            "file_format": "pdf",
            "asset_config": {"sheet_template": "80up_0.5x1.75in_letter", "symbol": "qr"},
        }
    )
    assert answer.status == 422
    detail = answer.body["error"]["details"][0]
    assert detail["field"] == "asset_config.module_mm" and "does not fit" in detail["message"]

"""The walking skeleton end to end: catalog over HTTP → export → Kafka → render replicas → S3 →
status → signed download → every symbol decodes to exactly what the catalog holds."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.support.api import Api, Tenant
from tests.support.readers import decode_png

pytestmark = pytest.mark.e2e

GTIN = "09506000134352"
LOTS = [
    {"lot_number": 'A/B%C&D+E"F', "expiry_date": "2027-03-31"},
    {"lot_number": "L" * 20},  # the longest lot, no expiry
    {"lot_number": "LOT-001", "expiry_date": "2028-12-01"},
]
SERIALS = ['S/1%2&3+4"5', "9" * 20, "SN-000001"]


@pytest.fixture
async def api(api_url: str, tenant: Tenant, render_replicas: Any) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, api_url, tenant.api_key)


def expected_hri(gtin: str, expiry: str | None, lot: str, serial: str | None = None) -> str:
    text = f"(01){gtin}"
    if expiry:
        text += f"(17){expiry[2:4]}{expiry[5:7]}{expiry[8:10]}"
    text += f"(10){lot}"
    if serial:
        text += f"(21){serial}"
    return text


def expected_element_string(expiry: str | None, lot: str, serial: str | None = None) -> str:
    """What a reader transmits after `]d2`: no leading FNC1, GS (0x1D) after a variable AI not last."""
    text = f"01{GTIN}" + (f"17{expiry[2:4]}{expiry[5:7]}{expiry[8:10]}" if expiry else "") + f"10{lot}"
    return text + (f"\x1d21{serial}" if serial else "")


async def export_and_download(api: Api, body: dict[str, Any]) -> tuple[dict[str, Any], bytes, dict[str, str]]:
    receipt = await api.submit(body)
    assert receipt.status == 202, receipt.body
    assert receipt.body["status"] == "pending"
    assert receipt.headers["Location"] == receipt.body["poll_url"]
    assert int(receipt.headers["Retry-After"]) >= 1
    status = await api.wait_terminal(receipt.body["job_id"])
    assert status["status"] == "completed", status
    async with api.session.get(status["download_url"]) as resp:
        assert resp.status == 200
        return status, await resp.read(), dict(resp.headers)


async def test_datamatrix_png_lots_every_symbol_decodes(api: Api) -> None:
    product = await api.product(GTIN)
    created = await api.lots(product["id"], LOTS)
    status, data, headers = await export_and_download(
        api,
        {
            "scope": "lots",
            "export_type": "datamatrix",
            "file_format": "png",
            "filters": {"product_id": product["id"]},
        },
    )
    job_id = status["job_id"]
    assert status["total_items"] == status["processed_items"] == 3
    assert status["progress_percent"] == 100
    assert status["output_filename"] == f"datamatrix-lots-{job_id[:4]}-3.zip"
    assert status["file_size_bytes"] == len(data)
    assert status["error"] is None and status["expires_at"]
    assert status["output_filename"] in headers.get("Content-Disposition", "")

    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    pngs = [n for n in archive.namelist() if n.endswith(".png")]
    assert len(pngs) == 3 and "manifest.csv" in archive.namelist()
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert [row["entity_id"] for row in manifest] == created["ids"]  # entity order

    for lot, row in zip(LOTS, manifest, strict=True):
        info = archive.getinfo(row["file_name"])
        assert info.compress_type == zipfile.ZIP_STORED
        assert decode_png(archive.read(info)) == [
            ("]d2", expected_element_string(lot.get("expiry_date"), lot["lot_number"]))
        ]
        assert row["hri"] == expected_hri(GTIN, lot.get("expiry_date"), lot["lot_number"])


async def test_datamatrix_png_serials_every_symbol_decodes(api: Api) -> None:
    product = await api.product(GTIN)
    lot = (await api.lots(product["id"], [{"lot_number": "SER/LOT", "expiry_date": "2029-02-28"}]))["ids"][0]
    created = await api.serials(lot, SERIALS)
    status, data, _ = await export_and_download(
        api,
        {
            "scope": "serials",
            "export_type": "datamatrix",
            "file_format": "png",
            "filters": {"lot_ids": [lot]},
        },
    )
    assert status["total_items"] == 3
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert [row["entity_id"] for row in manifest] == created["ids"]
    for serial, row in zip(SERIALS, manifest, strict=True):
        assert decode_png(archive.read(row["file_name"])) == [
            ("]d2", expected_element_string("2029-02-28", "SER/LOT", serial))
        ]

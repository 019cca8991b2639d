"""GS1-128 within GS1's 48 data characters, through the real API, broker and render replicas.

What the request alone decides is a 422 naming the field, and the same request published to
Kafka ends `failed` with the same reason; a label whose data is too long fails its job naming
the entity and the count when the client chose "refuse", and prints as two GS1-128 symbols by
default. Every case ends with another organization's normal job completing."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import asyncpg
import pytest

from devtools.endpoints import StackEndpoints
from tests.integration.test_bad_input import dlq_keys, fields, others_still_served
from tests.support.api import Api, Tenant
from tests.support.kafka_requests import publish_body, published_job_outcome
from tests.support.readers import decode_image, needs_rsvg, rasterize_svg

__all__ = ["others_still_served"]  # the fixture every case ends with
pytestmark = pytest.mark.usefixtures("others_still_served")

GTIN = "09506000134352"
GS = "\x1d"
DATAMATRIX_WITH_OVERFLOW = {
    "scope": "serials",
    "export_type": "datamatrix",
    "file_format": "png",
    "asset_config": {"gs1_128_overflow": "split"},
}
OVERFLOW_MESSAGE = (
    "only valid with export_type 'barcodes_1d' or 'codes_combined' "
    "(thermal labels print one GS1-128 symbol: longer data fails its label)"
)


async def test_an_overflow_choice_without_a_gs1_128_symbol_is_a_422(api: Api, db: asyncpg.Pool) -> None:
    answer = await api.submit(DATAMATRIX_WITH_OVERFLOW)
    assert fields(answer) == ["asset_config.gs1_128_overflow"]
    assert answer.body["error"]["details"][0]["message"] == OVERFLOW_MESSAGE


async def test_the_same_request_over_kafka_ends_failed_with_the_same_reason(
    api: Api, tenant: Tenant, endpoints: StackEndpoints
) -> None:
    job_id = await publish_body(endpoints, tenant, DATAMATRIX_WITH_OVERFLOW)
    final = await published_job_outcome(api, job_id)
    assert final["status"] == "failed"
    assert f"asset_config.gs1_128_overflow: {OVERFLOW_MESSAGE}" in final["error"]
    assert job_id.encode() not in await dlq_keys(endpoints)  # failed, not dead-lettered


async def test_a_filtered_gtin_ean13_cannot_carry_is_a_422_naming_its_position(api: Api) -> None:
    body = {
        "scope": "lots",
        "export_type": "barcodes_1d",
        "file_format": "svg",
        "asset_config": {"barcode_type": "ean13"},
        "filters": {"gtins": ["00036000291452", "10614141000415"]},
    }
    answer = await api.submit(body)
    assert fields(answer) == ["filters.gtins.1"]
    assert "needs 1 leading zero" in answer.body["error"]["details"][0]["message"]


async def catalog(api: Api) -> tuple[str, str]:
    """A lot with a 48-character serial label and a 49-character one: (lot id, the long serial's id)."""
    product = await api.product(GTIN)
    lot_id = (await api.lots(product["id"], [{"lot_number": "LOT0000042", "expiry_date": "2027-06-30"}]))[
        "ids"
    ][0]
    # (01) 16 + (17) 8 + (10) 12 + FNC1 + (21) 2 + serial: 48 with 9 characters, 49 with 10.
    ids = (await api.serials(lot_id, ["SN0000042", "SN00000042"]))["ids"]
    return lot_id, ids[1]


async def test_a_label_over_48_characters_fails_its_job_naming_the_entity_and_the_count(api: Api) -> None:
    lot_id, long_serial = await catalog(api)
    body = {
        "scope": "serials",
        "export_type": "barcodes_1d",
        "file_format": "svg",
        "asset_config": {"barcode_type": "gs1_128", "gs1_128_overflow": "refuse"},
        "filters": {"lot_ids": [lot_id]},
    }
    receipt = await api.submit(body)
    assert receipt.status == 202, receipt.body
    final = await api.wait_terminal(receipt.body["job_id"])
    assert final["status"] == "failed"
    assert f"entity {long_serial}: its GS1-128 data is 49 characters" in final["error"]
    assert "at most 48" in final["error"]


@needs_rsvg
async def test_by_default_it_prints_as_two_gs1_128_symbols(api: Api) -> None:
    lot_id, _ = await catalog(api)
    body: dict[str, Any] = {
        "scope": "serials",
        "export_type": "barcodes_1d",
        "file_format": "svg",
        "filters": {"lot_ids": [lot_id]},
    }
    receipt = await api.submit(body)
    assert receipt.status == 202, receipt.body
    final = await api.wait_terminal(receipt.body["job_id"])
    assert final["status"] == "completed", final
    async with api.session.get(final["download_url"]) as resp:
        archive = zipfile.ZipFile(io.BytesIO(await resp.read()))
    by_serial = {"SN0000042": 1, "SN00000042": 2}
    for name in archive.namelist():
        if name == "manifest.csv":
            continue
        serial = name.rsplit("_", 1)[1].removesuffix(".svg")
        found = decode_image(rasterize_svg(archive.read(name)))
        assert len(found) == by_serial[serial] and {ident for ident, _ in found} == {"]C1"}
        assert GS.join(text for _, text in found) == f"01{GTIN}1727063010LOT0000042{GS}21{serial}"

"""A multi-chunk ZPL job over both render replicas: one ^XA..^XZ block per entity, in order,
parts joined by concatenation; then a normal job of another organization completes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests.e2e.test_fanout import export, serials
from tests.support.api import Api, Tenant

pytestmark = pytest.mark.e2e


@pytest.fixture
async def api(api_url: str, tenant: Tenant, render_replicas: Any) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, api_url, tenant)


async def test_zpl_job_over_two_replicas_is_one_block_per_entity_in_order(
    api: Api, api_url: str, other_tenant: Tenant, db: asyncpg.Pool
) -> None:
    lot, ids = await serials(api, 3000)
    status, data = await export(
        api,
        {
            "scope": "serials",
            "export_type": "thermal_labels",
            "file_format": "zpl",
            "filters": {"lot_ids": [lot]},
            "asset_config": {"printer_dpi": 300},
        },
    )
    chunks = await db.fetch("SELECT rendered_by FROM render.chunks WHERE job_id = $1", status["job_id"])
    assert len(chunks) > 1 and {c["rendered_by"] for c in chunks} == {"render-1", "render-2"}
    text = data.decode("ascii")
    blocks = text.split("^XZ\n")
    assert blocks[-1] == "" and len(blocks) - 1 == 3000
    manifest = [re.match(r"\^XA\n\^FXentity=(\S+) .* x_mm=0\.508 dots=6 dpi=300\n", b) for b in blocks[:-1]]
    assert all(manifest)
    assert [m.group(1) for m in manifest if m] == ids

    other = Api(api.session, api_url, other_tenant)
    product = await other.product("09506000134352")
    other_lot = (await other.lots(product["id"], [{"lot_number": "OTHER", "expiry_date": "2027-06-30"}]))[
        "ids"
    ][0]
    receipt = await other.submit(
        {
            "scope": "lots",
            "export_type": "datamatrix",
            "file_format": "png",
            "filters": {"lot_ids": [other_lot]},
        }
    )
    assert (await other.wait_terminal(receipt.body["job_id"], timeout=120))["status"] == "completed"

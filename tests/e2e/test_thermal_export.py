"""A 30,000-label ZPL job over both render replicas: one ^XA..^XZ block per entity, in order,
parts joined by concatenation, the artifact named and typed as documented, the status carrying
the achieved X-dimension, and the labels at every chunk boundary read back by an independent
renderer and zxing-cpp; then a normal job of another organization completes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests.e2e.test_fanout import GTIN, serials
from tests.support.api import Api, Tenant
from tests.support.zpl_render import render_and_decode

pytestmark = pytest.mark.e2e

LABELS = 30_000


@pytest.fixture
async def api(api_url: str, tenant: Tenant, render_replicas: Any) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, api_url, tenant)


async def test_zpl_job_over_two_replicas_is_one_block_per_entity_in_order(
    api: Api, api_url: str, other_tenant: Tenant, db: asyncpg.Pool, tmp_path: Path
) -> None:
    lot, ids = await serials(api, LABELS)
    receipt = await api.submit(
        {
            "scope": "serials",
            "export_type": "thermal_labels",
            "file_format": "zpl",
            "filters": {"lot_ids": [lot]},
            "asset_config": {"printer_dpi": 300},
        }
    )
    job_id = receipt.body["job_id"]
    status = await api.wait_terminal(job_id, timeout=300)
    assert status["status"] == "completed", status
    assert status["output_filename"] == f"thermal-{job_id[:4]}-{LABELS}.zpl"
    # 0.5 mm at 300 dpi is 5.9 dots: 6 dots, 0.508 mm, as every ^FX line says.
    assert status["x_dimension_mm"] == 0.508
    async with api.session.get(status["download_url"]) as resp:
        assert resp.status == 200 and resp.content_type == "application/vnd.zebra-zpl"
        data = await resp.read()

    chunks = await db.fetch(
        "SELECT first_seq, end_seq, rendered_by FROM render.chunks WHERE job_id = $1 ORDER BY first_seq",
        job_id,
    )
    assert len(chunks) > 1 and {c["rendered_by"] for c in chunks} == {"render-1", "render-2"}
    text = data.decode("ascii")
    blocks = text.split("^XZ\n")
    assert blocks[-1] == "" and len(blocks) - 1 == LABELS
    manifest = [re.match(r"\^XA\n\^FXentity=(\S+) .* x_mm=0\.508 dots=6 dpi=300\n", b) for b in blocks[:-1]]
    assert all(manifest)
    assert [m.group(1) for m in manifest if m] == ids

    # The first and last label of every chunk's part, scanned: exact data, ]d2.
    numbers = {
        str(r["id"]): r["serial_number"]
        for r in await db.fetch("SELECT id, serial_number FROM catalog.serials WHERE lot_id = $1", lot)
    }
    start = chunks[0]["first_seq"]
    picks = sorted({n - start for c in chunks for n in (c["first_seq"], c["end_seq"] - 1)})
    sample = "".join(blocks[n] + "^XZ\n" for n in picks)
    scanned = render_and_decode(sample, width_mm=50.8, height_mm=25.4, dpi=300, tmp=tmp_path)
    assert [[(d.symbology_id, d.text) for d in found] for found in scanned] == [
        [("]d2", f"(01){GTIN}(17)270630(10)FAN(21){numbers[ids[n]]}")] for n in picks
    ]

    other = Api(api.session, api_url, other_tenant)
    product = await other.product(GTIN)
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

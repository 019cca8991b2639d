"""A small job of huge rasters goes through the chunk path, not inline in the planner (which it
would hold for every organization), and completes; a normal job of another organization too."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from devtools.services import ServiceProcess
from tests.support.api import Api, Tenant

pytestmark = pytest.mark.e2e
GTIN = "09506000134352"
# The costliest rasters submit accepts: about 113 Mpx a label, about 35 ms of CPU each. Long
# GS1-128 data is refused, not split: two stacked symbols would put the 1D file over the cap.
HUGE = {"dpi": 1500, "module_mm": 0.52, "quiet_zone_modules": 100, "gs1_128_overflow": "refuse"}


async def _one_lot_of_serials(api: Api, count: int) -> str:
    product = await api.product(GTIN)
    lot = (await api.lots(product["id"], [{"lot_number": "COST", "expiry_date": "2027-06-30"}]))["ids"][0]
    answer = await api.post("/products/api/v1/serials/bulk/", {"lot_id": lot, "generate": {"count": count}})
    assert answer.status == 201, answer.body
    return str(lot)


async def test_an_expensive_small_job_is_chunked_and_completes(
    api_url: str, tenant: Tenant, other_tenant: Tenant, render_replicas: list[ServiceProcess]
) -> None:
    async with aiohttp.ClientSession() as session:
        api, other = Api(session, api_url, tenant), Api(session, api_url, other_tenant)
        lot = await _one_lot_of_serials(api, 150)
        body: dict[str, Any] = {
            "scope": "serials",
            "export_type": "codes_combined",
            "file_format": "png",
            "filters": {"lot_ids": [lot]},
            "asset_config": HUGE,
        }
        receipt = await api.submit(body)
        assert receipt.status == 202, receipt.body
        job_id = receipt.body["job_id"]
        status = await api.wait_terminal(job_id, timeout=120)
        assert (status["status"], status["processed_items"]) == ("completed", 150), status
        chunked = [
            line
            for replica in render_replicas
            for line in replica.log_text().splitlines()
            if job_id in line and "chunk path: estimated" in line
        ]
        assert len(chunked) == 1, "the planner rendered it inline"

        other_lot = await _one_lot_of_serials(other, 10)
        normal = await other.submit(
            {
                "scope": "serials",
                "export_type": "datamatrix",
                "file_format": "png",
                "filters": {"lot_ids": [other_lot]},
            }
        )
        assert normal.status == 202, normal.body
        assert (await other.wait_terminal(normal.body["job_id"]))["status"] == "completed"
        for replica in render_replicas:
            async with session.get(f"{replica.url}/healthz") as resp:
                assert resp.status == 200 and (await resp.json())["status"] == "ok"

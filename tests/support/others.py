"""The ending of every bad-input case on the session stack: another organization's normal job
completes and every replica is healthy (tests/faults/healthy.py is the same for the fault rig)."""

from __future__ import annotations

import aiohttp

from devtools.services import ServiceProcess
from tests.support.api import Api, Tenant

SUBMIT = {"scope": "lots", "export_type": "datamatrix", "file_format": "png"}
ANOTHER_GTIN = "09506000134369"


async def another_org_job_completes(
    session: aiohttp.ClientSession, api_url: str, other_tenant: Tenant, render_replicas: list[ServiceProcess]
) -> None:
    other = Api(session, api_url, other_tenant)
    # Its own product, so the case may have given the organization a catalog of its own already.
    product = await other.product(ANOTHER_GTIN)
    await other.lots(product["id"], [{"lot_number": "OK1", "expiry_date": "2030-01-31"}])
    receipt = await other.submit({**SUBMIT, "filters": {"product_id": product["id"]}})
    assert receipt.status == 202, receipt.body
    status = await other.wait_terminal(receipt.body["job_id"])
    assert status["status"] == "completed", status
    assert status["total_items"] == 1
    for url in [api_url, *(replica.url for replica in render_replicas)]:
        async with session.get(url + "/healthz") as resp:
            assert resp.status == 200, (url, await resp.text())
            assert (await resp.json())["status"] == "ok"

"""Tenancy (docs/invariants.md#tenancy): a second organization's key reaches nothing of the first,
on every route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.support.api import EXPORTS, Api, Tenant

pytestmark = pytest.mark.e2e
BASE = "/products/api/v1"


@pytest.fixture
async def apis(
    api_url: str, tenant: Tenant, other_tenant: Tenant, render_replicas: Any
) -> AsyncIterator[tuple[Api, Api]]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, api_url, tenant), Api(session, api_url, other_tenant)


async def test_every_route_is_scoped_to_the_callers_organization(apis: tuple[Api, Api]) -> None:
    mine, theirs = apis
    product = await mine.product("09506000134352")
    lot = (await mine.lots(product["id"], [{"lot_number": "MINE"}]))["ids"][0]
    serial = (await mine.serials(lot, ["S1"]))["ids"][0]
    receipt = await mine.submit({"scope": "lots", "export_type": "datamatrix", "file_format": "png"})
    job = receipt.body["job_id"]
    assert (await mine.wait_terminal(job))["status"] == "completed"

    # Reads: invisible.
    assert (await theirs.get(f"{EXPORTS}{job}/")).status == 404
    for kind in ("products", "lots", "serials"):
        page = await theirs.get(f"{BASE}/{kind}/")
        assert page.status == 200 and page.body["data"] == [], kind
    assert (await theirs.get(f"{BASE}/lots/?product_id={product['id']}")).body["pagination"][
        "total_count"
    ] == 0
    # Writes: as if the ids did not exist.
    assert (await theirs.post(f"{EXPORTS}{job}/cancel/", None)).status == 404
    assert (
        await theirs.post(f"{BASE}/lots/bulk/", {"product_id": product["id"], "lots": [{"lot_number": "X"}]})
    ).status == 404
    assert (
        await theirs.post(f"{BASE}/serials/bulk/", {"lot_id": lot, "serial_numbers": ["X"]})
    ).status == 404
    assert (await theirs.request("PATCH", f"{BASE}/lots/{lot}/", json={"is_active": False})).status == 404
    assert (
        await theirs.request("PATCH", f"{BASE}/serials/{serial}/", json={"is_active": False})
    ).status == 404
    # The same GTIN is theirs to create: catalogs are separate.
    assert (
        await theirs.post(f"{BASE}/products/", {"gtin": "09506000134352", "name": "theirs"})
    ).status == 201
    # Exports naming our ids select nothing of ours, and say nothing about them.
    receipt = await theirs.submit(
        {
            "scope": "serials",
            "export_type": "datamatrix",
            "file_format": "png",
            "filters": {"lot_ids": [lot], "serial_ids": [serial], "product_id": product["id"]},
        }
    )
    assert receipt.status == 202
    status = await theirs.wait_terminal(receipt.body["job_id"])
    assert status["status"] == "completed" and status["total_items"] == 0
    # And ours is untouched.
    assert (
        await mine.get(f"{BASE}/lots/{lot}/".replace(f"{lot}/", "") + f"?product_id={product['id']}")
    ).body["data"][0]["is_active"] is True

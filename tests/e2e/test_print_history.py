"""`never_printed` across successive exports: a job's print history counts from its completion."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests.support.api import Api, Tenant

pytestmark = pytest.mark.e2e


@pytest.fixture
async def api(api_url: str, tenant: Tenant, render_replicas: Any) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, api_url, tenant)


async def export(api: Api, filters: dict[str, Any]) -> tuple[dict[str, Any], zipfile.ZipFile]:
    receipt = await api.submit(
        {"scope": "lots", "export_type": "datamatrix", "file_format": "png", "filters": filters}
    )
    status = await api.wait_terminal(receipt.body["job_id"])
    assert status["status"] == "completed", status
    async with api.session.get(status["download_url"]) as resp:
        return status, zipfile.ZipFile(io.BytesIO(await resp.read()))


async def test_never_printed_across_two_exports(api: Api, db: asyncpg.Pool) -> None:
    product = await api.product("09506000134352")
    first_lots = await api.lots(product["id"], [{"lot_number": f"P{n}"} for n in range(4)])
    filters = {"product_id": product["id"], "never_printed": True}

    status, archive = await export(api, filters)
    assert status["total_items"] == 4 and len(archive.namelist()) == 5  # 4 PNGs + manifest
    history = await db.fetch("SELECT entity_id FROM render.print_history WHERE job_id = $1", status["job_id"])
    assert sorted(str(r["entity_id"]) for r in history) == sorted(first_lots["ids"])

    more = await api.lots(product["id"], [{"lot_number": "P9"}])
    status, archive = await export(api, filters)
    assert status["total_items"] == 1
    assert status["output_filename"].endswith("-1.zip")

    status, archive = await export(api, filters)  # nothing left: an empty export still completes
    assert status["total_items"] == 0 and status["progress_percent"] == 100
    assert archive.namelist() == ["manifest.csv"]
    assert archive.read("manifest.csv").decode().count("\n") == 1  # the header only

    status, _ = await export(api, {"product_id": product["id"]})  # without the filter: all five again
    assert status["total_items"] == 5
    assert more["ids"][0] in {
        str(r["entity_id"])
        for r in await db.fetch(
            "SELECT entity_id FROM render.print_history WHERE job_id = $1", status["job_id"]
        )
    }

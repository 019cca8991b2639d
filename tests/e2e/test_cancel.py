"""Cancel (docs/contract.md#cancel, ours): the job ends failed at once, rendering stops within seconds, and no
artifact or part is left in S3."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest

from devtools.endpoints import StackEndpoints
from shared.s3 import s3_client
from shared.settings import CommonSettings
from tests.support.api import EXPORTS, Api, Tenant

pytestmark = pytest.mark.e2e


@pytest.fixture
async def api(api_url: str, tenant: Tenant, render_replicas: Any) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, api_url, tenant)


async def objects_under(endpoints: StackEndpoints, prefix: str) -> list[str]:
    settings = CommonSettings(**{k.lower(): v for k, v in endpoints.as_env().items()})
    async with s3_client(settings) as s3:
        page = await s3.list_objects_v2(Bucket=endpoints.s3_bucket, Prefix=prefix)
        return [o["Key"] for o in page.get("Contents", [])]


async def test_cancel_a_large_job_mid_run(api: Api, endpoints: StackEndpoints, db: asyncpg.Pool) -> None:
    product = await api.product("09506000134352")
    lot = (await api.lots(product["id"], [{"lot_number": "BIG"}]))["ids"][0]
    created = await api.post("/products/api/v1/serials/bulk/", {"lot_id": lot, "generate": {"count": 40_000}})
    assert created.status == 201
    receipt = await api.submit(
        {"scope": "serials", "export_type": "datamatrix", "file_format": "png", "filters": {"lot_ids": [lot]}}
    )
    job_id = receipt.body["job_id"]
    poll = receipt.body["poll_url"]
    async with asyncio.timeout(60):
        while (status := (await api.get(poll)).body)["processed_items"] == 0:
            assert status["status"] in ("pending", "processing"), status
            await asyncio.sleep(0.05)
    assert status["processed_items"] < status["total_items"] == 40_000

    answer = await api.post(f"{EXPORTS}{job_id}/cancel/", None)
    assert answer.status == 202
    assert answer.body["status"] == "failed" and "cancelled" in answer.body["error"]

    # The render service stops within seconds and reports the job failed (never completed).
    async with asyncio.timeout(10):
        while await db.fetchval("SELECT status FROM render.jobs WHERE job_id = $1", job_id) != "failed":
            await asyncio.sleep(0.1)
    await asyncio.sleep(2)  # time for a worker that missed the cancel to (wrongly) finish
    final = (await api.get(poll)).body
    assert final["status"] == "failed" and final["download_url"] is None and "cancelled" in final["error"]
    prefix = f"exports/{api.tenant.organization_id}/{job_id}/"  # type: ignore[union-attr]
    assert await objects_under(endpoints, prefix) == []
    assert await db.fetchval("SELECT count(*) FROM render.print_history WHERE job_id = $1", job_id) == 0

    again = await api.post(f"{EXPORTS}{job_id}/cancel/", None)
    assert again.status == 409 and again.body["error"]["code"] == "CONFLICT"

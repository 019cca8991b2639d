"""Fair scheduling across organizations (docs/design.md#fair-scheduling): while organization A
renders a 200,000-item job on both replicas, organization B's small jobs and B's chunked job are
served at once, not after A's job.

The bounds are correctness bounds, relative to A's own job, so that a slow shared machine slows
both sides alike: B's ten small jobs all complete while A's job is still rendering, each in a
small fraction of A's time, and B's chunked job (two chunks) completes while most of A's chunks
still wait. Without fair scheduling B's chunks queue behind A's on the chunks topic and finish
with A's last ones. The latency target itself (p50 <= 1 s) is checked by `make bench`
(bench/README.md, "fairness").
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest

from devtools.services import ServiceProcess
from tests.support.api import Api, Tenant

pytestmark = pytest.mark.e2e
GTIN_A = "09506000134352"
GTIN_B = "00614141000012"
BIG = 200_000


@pytest.fixture
async def session(render_replicas: list[ServiceProcess]) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def _lot_of_serials(api: Api, product_id: str, lot_number: str, count: int) -> str:
    lot = (await api.lots(product_id, [{"lot_number": lot_number, "expiry_date": "2027-06-30"}]))["ids"][0]
    while count:
        n = min(count, 100_000)  # the bulk create's maximum
        answer = await api.post("/products/api/v1/serials/bulk/", {"lot_id": lot, "generate": {"count": n}})
        assert answer.status == 201, answer.body
        count -= n
    return str(lot)


def _png(lot: str) -> dict[str, Any]:
    return {
        "scope": "serials",
        "export_type": "datamatrix",
        "file_format": "png",
        "filters": {"lot_ids": [lot]},
    }


async def _progress(db: asyncpg.Pool, job_id: str) -> tuple[int, int]:
    """(chunks done, chunks) of a job in the render state."""
    row = await db.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'done') AS done, count(*) AS total"
        " FROM render.chunks WHERE job_id = $1",
        job_id,
    )
    assert row is not None
    return int(row["done"]), int(row["total"])


async def test_another_organization_is_served_while_a_giant_job_renders(
    session: aiohttp.ClientSession, api_url: str, tenant: Tenant, other_tenant: Tenant, db: asyncpg.Pool
) -> None:
    a, b = Api(session, api_url, tenant), Api(session, api_url, other_tenant)
    big_lot = await _lot_of_serials(a, (await a.product(GTIN_A))["id"], "GIANT", BIG)
    b_product = (await b.product(GTIN_B))["id"]
    small_lot = await _lot_of_serials(b, b_product, "SMALL", 10)
    chunked_lot = await _lot_of_serials(b, b_product, "TWO", 2000)

    giant = await a.submit(_png(big_lot))
    assert giant.status == 202, giant.body
    giant_id = giant.body["job_id"]
    a_started = time.monotonic()
    async with asyncio.timeout(120):
        while (await a.get(giant.body["poll_url"])).body["processed_items"] == 0:
            await asyncio.sleep(0.05)  # A renders on both replicas

    latencies = []
    for _ in range(10):
        t0 = time.monotonic()
        receipt = await b.submit(_png(small_lot))
        assert receipt.status == 202, receipt.body
        done = await b.wait_terminal(receipt.body["job_id"], timeout=120)
        assert (done["status"], done["processed_items"]) == ("completed", 10), done
        latencies.append(time.monotonic() - t0)
    a_now = (await a.get(giant.body["poll_url"])).body
    assert a_now["status"] == "processing", "B's small jobs waited for A's giant job"

    t0 = time.monotonic()
    chunked = await b.submit(_png(chunked_lot))
    done = await b.wait_terminal(chunked.body["job_id"], timeout=180)
    chunked_latency = time.monotonic() - t0
    assert (done["status"], done["processed_items"]) == ("completed", 2000), done
    assert (await _progress(db, chunked.body["job_id"])) == (2, 2)
    a_done, a_chunks = await _progress(db, giant_id)

    final = await a.wait_terminal(giant_id, timeout=600)
    a_seconds = time.monotonic() - a_started
    print(
        f"\nB small jobs: p50 {statistics.median(latencies):.3f} s, max {max(latencies):.3f} s;"
        f" B chunked job {chunked_latency:.2f} s with A at {a_done}/{a_chunks} chunks;"
        f" A's job {a_seconds:.1f} s"
    )
    assert (final["status"], final["processed_items"]) == ("completed", BIG), final
    # B was served alongside A, not after it.
    assert max(latencies) < a_seconds / 10, (latencies, a_seconds)
    assert a_done < a_chunks * 3 // 4, f"B's chunked job waited for A's chunks ({a_done}/{a_chunks} done)"

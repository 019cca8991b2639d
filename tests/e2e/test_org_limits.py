"""Per-organization limits (docs/contract.md#organization-limits) on the real stack: each limit is a
429 or 422 at submit, with its headers and a message naming the limit and its value, and the same
request published to Kafka ends `failed` with the same message; an override set with labels-admin
applies to its organization only; two API replicas racing for the last slot give it to one submit.
Every case ends with another organization's normal job completing.

An open job is held open by stopping the object store: its chunk renders but cannot be uploaded,
and the worker retries for RENDER_STORAGE_RETRY_BUDGET_SECONDS (60 s here), far longer than a case
needs; once the store is back the job completes.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from api_service.settings import ApiSettings
from devtools.endpoints import StackEndpoints
from devtools.services import ServiceProcess
from devtools.stack import LocalStack
from shared.org_limits import LimitName, limit_message
from tests.faults.catalog import Catalog, make_catalog
from tests.support.api import EXPORTS, Answer, Api, Tenant
from tests.support.kafka_requests import publish_request, request_data, wait_visible
from tests.support.others import another_org_job_completes

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
HOLDER_ITEMS = 300  # over RENDER_INLINE_MAX_ITEMS (200 in tests): it renders through the chunk path
RATE_LIMIT_HEADERS = ("RateLimit-Policy", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def api(
    session: aiohttp.ClientSession,
    api_url: str,
    tenant: Tenant,
    other_tenant: Tenant,
    render_replicas: list[ServiceProcess],
) -> AsyncIterator[Api]:
    """The limited organization's client; after the case, another organization's job completes."""
    yield Api(session, api_url, tenant)
    await another_org_job_completes(session, api_url, other_tenant, render_replicas)


async def labels_admin(endpoints: StackEndpoints, *args: str) -> str:
    """Run the operator CLI as an operator would (this worktree's code, the test database)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api_service.admin_cli",
        *args,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": endpoints.database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def set_org_limits(endpoints: StackEndpoints, tenant: Tenant, **limits: int) -> None:
    args = [f"--{name.replace('_', '-')}={value}" for name, value in limits.items()]
    said = await labels_admin(endpoints, "set-org-limits", str(tenant.organization_id), *args)
    for name, value in limits.items():
        assert f"{name} {value}" in said, said


@contextlib.asynccontextmanager
async def storage_down(stack: LocalStack) -> AsyncIterator[None]:
    """The object store stopped for the block: started jobs stay `processing`."""
    s3 = stack.s3_server
    if s3 is None:
        pytest.skip("the stack's object store is not ours to stop")
    await s3.stop()
    try:
        yield
    finally:
        await s3.start()


async def hold_open(api: Api, catalog: Catalog) -> str:
    """Submit a job and wait until it is processing (planned: counted by API and render alike)."""
    receipt = await api.submit(catalog.body)
    assert receipt.status == 202, receipt.body
    job_id: str = receipt.body["job_id"]
    for _ in range(300):
        status = (await api.get(f"{EXPORTS}{job_id}/")).body
        if status["status"] == "processing":
            return job_id
        assert status["status"] == "pending", status
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} never started")


async def kafka_job_error(api: Api, producer: AIOKafkaProducer, catalog: Catalog) -> str:
    """Publish the catalog's export as another service would; the failed job's error."""
    assert api.tenant is not None
    data = request_data(api.tenant, scope="serials", filters={"lot_ids": [catalog.lot_id]})
    job_id = await publish_request(producer, data)
    await wait_visible(api, job_id)
    status = await api.wait_terminal(job_id)
    assert status["status"] == "failed", status
    return str(status["error"])


def check_refused(answer: Answer, *, status: int, message: str) -> None:
    """The contract's envelope with the limit's message, and the rate-limit headers of every answer."""
    code = {422: "VALIDATION_ERROR", 429: "RATE_LIMITED"}[status]
    assert answer.status == status, (answer.status, answer.body)
    assert answer.body["error"]["code"] == code and answer.body["error"]["status"] == status
    assert answer.body["error"]["message"] == message
    for header in RATE_LIMIT_HEADERS:
        assert answer.headers.get(header), (header, dict(answer.headers))
    if status == 429:
        assert answer.body["error"]["details"] is None
        assert answer.headers["Retry-After"] == str(ApiSettings().org_limit_retry_after_seconds)
    else:
        assert answer.body["error"]["details"] == [{"field": "filters", "message": message}]
        assert "Retry-After" not in answer.headers


async def all_complete(api: Api, job_ids: list[str], expected_items: list[int]) -> None:
    for job_id, items in zip(job_ids, expected_items, strict=True):
        status = await api.wait_terminal(job_id, timeout=180)
        assert status["status"] == "completed", status
        assert status["total_items"] == items


async def test_job_too_large_for_one_organization_only(
    api: Api,
    api_url: str,
    other_tenant: Tenant,
    producer: AIOKafkaProducer,
    endpoints: StackEndpoints,
    db: asyncpg.Pool,
) -> None:
    assert api.tenant is not None
    await set_org_limits(endpoints, api.tenant, max_items_per_job=100)
    message = limit_message(LimitName.ITEMS_PER_JOB, 100, retryable=False)
    too_large = await make_catalog(api, 101)

    check_refused(await api.submit(too_large.body), status=422, message=message)
    assert await kafka_job_error(api, producer, too_large) == message
    # Refused at planning: nothing of the job kept but its outcome.
    refused = await db.fetchrow(
        """SELECT j.status, (SELECT count(*) FROM render.job_items i WHERE i.job_id = j.job_id) AS items
             FROM render.jobs j WHERE organization_id = $1""",
        api.tenant.organization_id,
    )
    assert dict(refused) == {"status": "failed", "items": 0}

    # A selection the API cannot count (print history is the render service's): refused at planning.
    receipt = await api.submit(
        {**too_large.body, "filters": {**too_large.body["filters"], "never_printed": True}}
    )
    assert receipt.status == 202, receipt.body
    assert (await api.wait_terminal(receipt.body["job_id"]))["error"] == message

    exactly = await make_catalog(api, 100)
    receipt = await api.submit(exactly.body)
    assert receipt.status == 202, receipt.body
    await all_complete(api, [receipt.body["job_id"]], [100])

    # The override is this organization's: another one, on the service default, exports 101 items.
    other = Api(api.session, api_url, other_tenant)
    theirs = await make_catalog(other, 101)
    receipt = await other.submit(theirs.body)
    assert receipt.status == 202, receipt.body
    await all_complete(other, [receipt.body["job_id"]], [101])


async def test_too_many_open_jobs(
    api: Api, producer: AIOKafkaProducer, endpoints: StackEndpoints, stack: LocalStack
) -> None:
    assert api.tenant is not None
    await set_org_limits(endpoints, api.tenant, max_open_jobs=1)
    message = limit_message(LimitName.OPEN_JOBS, 1, retryable=True)
    holder = await make_catalog(api, HOLDER_ITEMS)
    small = await make_catalog(api, 5)
    async with storage_down(stack):
        held = await hold_open(api, holder)
        check_refused(await api.submit(small.body), status=429, message=message)
        assert await kafka_job_error(api, producer, small) == message
    await all_complete(api, [held], [HOLDER_ITEMS])
    # The slot is free again once the open job has ended.
    receipt = await api.submit(small.body)
    assert receipt.status == 202, receipt.body
    await all_complete(api, [receipt.body["job_id"]], [5])


async def test_too_many_items_open(
    api: Api, producer: AIOKafkaProducer, endpoints: StackEndpoints, stack: LocalStack
) -> None:
    assert api.tenant is not None
    await set_org_limits(endpoints, api.tenant, max_open_items=400)
    message = limit_message(LimitName.OPEN_ITEMS, 400, retryable=True)
    holder = await make_catalog(api, HOLDER_ITEMS)
    over = await make_catalog(api, 101)  # 300 + 101 > 400
    fits = await make_catalog(api, 100)  # 300 + 100 = 400
    async with storage_down(stack):
        held = await hold_open(api, holder)
        check_refused(await api.submit(over.body), status=429, message=message)
        assert await kafka_job_error(api, producer, over) == message
        receipt = await api.submit(fits.body)
        assert receipt.status == 202, receipt.body
    await all_complete(api, [held, receipt.body["job_id"]], [HOLDER_ITEMS, 100])


async def test_two_replicas_racing_for_the_last_slot_give_it_to_one_submit(
    api: Api, second_api_url: str, endpoints: StackEndpoints, stack: LocalStack, db: asyncpg.Pool
) -> None:
    assert api.tenant is not None
    await set_org_limits(endpoints, api.tenant, max_open_jobs=2)
    holder = await make_catalog(api, HOLDER_ITEMS)
    second = Api(api.session, second_api_url, api.tenant)
    async with storage_down(stack):
        held = await hold_open(api, holder)
        answers: list[Any] = await asyncio.gather(
            *(client.submit(holder.body) for client in [api, second] * 4)
        )
        assert sorted(a.status for a in answers) == [202] + [429] * 7, [(a.status, a.body) for a in answers]
        open_jobs = await db.fetchval(
            """SELECT count(*) FROM api.export_jobs
                WHERE organization_id = $1 AND status IN ('pending', 'processing')""",
            api.tenant.organization_id,
        )
        assert open_jobs == 2
    winner = next(a.body["job_id"] for a in answers if a.status == 202)
    await all_complete(api, [held, winner], [HOLDER_ITEMS, HOLDER_ITEMS])

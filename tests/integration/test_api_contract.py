"""The (ours) parts of the HTTP contract: rate limits, idempotency, ETags, limits on input, keys."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from api_service.adapters import api_keys_repo
from api_service.app import create_app
from api_service.settings import ApiSettings
from devtools.ports import free_port
from labelkit.ids import new_job_id
from tests.support.api import EXPORTS, Api, Tenant
from tests.support.tenants import make_tenant

BODY = {"scope": "lots", "export_type": "datamatrix", "file_format": "png"}
RATE_HEADERS = (
    "RateLimit-Policy",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)


@pytest.fixture
async def second_api_url(service_env: dict[str, str]) -> AsyncIterator[str]:
    """Another API replica on the same database: limits must be shared."""
    env = {k.lower(): v for k, v in service_env.items()}
    env["projection_group_id"] += "-second"
    settings = ApiSettings(**env, api_port=free_port())
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.api_port).start()
    yield f"http://127.0.0.1:{settings.api_port}"
    await runner.cleanup()


async def test_rate_limit_is_shared_by_replicas_and_answers_429(
    session: aiohttp.ClientSession, api_url: str, second_api_url: str, db: asyncpg.Pool
) -> None:
    tenant = await make_tenant(db, "limited")
    await api_keys_repo.set_rate_limits(db, key_id=tenant.key_id, per_minute=6, per_day=1000)
    while time.time() % 60 > 50:  # keep all seven requests in one minute window
        await asyncio.sleep(1)
    replicas = [Api(session, api_url, tenant), Api(session, second_api_url, tenant)]
    remaining = []
    for n in range(6):
        answer = await replicas[n % 2].get(EXPORTS + new_job_id() + "/")
        assert answer.status == 404  # errors carry the headers too
        assert all(h in answer.headers for h in RATE_HEADERS), answer.headers
        assert answer.headers["RateLimit-Policy"] == "6;w=60, 1000;w=86400"
        remaining.append(int(answer.headers["RateLimit-Remaining"]))
    assert remaining == [5, 4, 3, 2, 1, 0]
    refused = await replicas[0].get(EXPORTS + new_job_id() + "/")
    assert refused.status == 429 and refused.body["error"]["code"] == "RATE_LIMITED"
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert int(refused.headers["X-RateLimit-Reset"]) >= int(time.time())


async def test_default_limits_are_advertised(
    session: aiohttp.ClientSession, api_url: str, db: asyncpg.Pool
) -> None:
    tenant = await make_tenant(db, "defaults")
    await api_keys_repo.set_rate_limits(db, key_id=tenant.key_id, per_minute=0, per_day=0)
    answer = await Api(session, api_url, tenant).get("/products/api/v1/products/")
    assert answer.status == 200
    assert answer.headers["RateLimit-Policy"] == "300;w=60, 10000;w=86400"
    assert answer.headers["RateLimit-Limit"] == "300" and answer.headers["RateLimit-Remaining"] == "299"


async def test_idempotency_key_replays_the_receipt(api: Api) -> None:
    first = await api.submit(BODY, headers={"Idempotency-Key": "order-42"})
    again = await api.submit(BODY, headers={"Idempotency-Key": "order-42"})
    assert first.status == again.status == 202
    assert first.body == again.body
    other = await api.submit(BODY, headers={"Idempotency-Key": "order-43"})
    assert other.body["job_id"] != first.body["job_id"]


async def test_idempotency_key_with_a_different_body_is_422(api: Api) -> None:
    await api.submit(BODY, headers={"Idempotency-Key": "reuse-me"})
    answer = await api.submit({**BODY, "scope": "serials"}, headers={"Idempotency-Key": "reuse-me"})
    assert answer.status == 422
    assert answer.body["error"]["details"][0]["field"] == "Idempotency-Key"


async def test_idempotency_keys_are_scoped_to_the_organization(
    api: Api, session: aiohttp.ClientSession, api_url: str, other_tenant: Tenant
) -> None:
    mine = await api.submit(BODY, headers={"Idempotency-Key": "shared-name"})
    theirs = await Api(session, api_url, other_tenant).submit(
        BODY, headers={"Idempotency-Key": "shared-name"}
    )
    assert mine.body["job_id"] != theirs.body["job_id"]


async def test_concurrent_submits_with_one_key_make_one_job(api: Api) -> None:
    answers = await asyncio.gather(*[api.submit(BODY, headers={"Idempotency-Key": "race"}) for _ in range(8)])
    assert {a.status for a in answers} == {202}
    assert len({a.body["job_id"] for a in answers}) == 1


async def test_etag_and_if_none_match(api: Api) -> None:
    receipt = await api.submit(BODY)
    first = await api.get(receipt.body["poll_url"])
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    if first.body["status"] in ("pending", "processing"):
        assert int(first.headers["Retry-After"]) >= 1
    again = await api.get(receipt.body["poll_url"], headers={"If-None-Match": etag})
    if again.status == 200:  # the job moved on between the two polls: a new tag
        assert again.headers["ETag"] != etag
    else:
        assert again.status == 304 and again.body is None and again.headers["ETag"] == etag
    stale = await api.get(receipt.body["poll_url"], headers={"If-None-Match": '"stale"'})
    assert stale.status == 200


async def test_body_size_limit_is_413_in_the_envelope(api: Api) -> None:
    limit = ApiSettings().max_body_bytes
    answer = await api.request("POST", EXPORTS, data=b'{"scope": "' + b"x" * limit + b'"}')
    assert answer.status == 413
    assert answer.body["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_revoked_and_expired_keys_are_401(
    session: aiohttp.ClientSession, api_url: str, db: asyncpg.Pool
) -> None:
    tenant = await make_tenant(db, "revoked")
    api = Api(session, api_url, tenant)
    assert (await api.get("/products/api/v1/products/")).status == 200
    await api_keys_repo.revoke_key(db, key_id=tenant.key_id)
    assert (await api.get("/products/api/v1/products/")).status == 401
    _key_id, key = await api_keys_repo.create_key(
        db,
        organization_id=tenant.organization_id,
        expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
    )
    answer = await Api(session, api_url, key).get("/products/api/v1/products/")
    assert answer.status == 401 and "expired" in answer.body["error"]["message"]


async def test_last_used_is_recorded_in_batches(api: Api, tenant: Tenant, db: asyncpg.Pool) -> None:
    assert await db.fetchval("SELECT last_used_at FROM api.api_keys WHERE id = $1", tenant.key_id) is None
    for _ in range(5):
        await api.get("/products/api/v1/products/")
    # Not written per request: the flush comes on its own beat (5 s by default).
    for _ in range(100):
        if await db.fetchval("SELECT last_used_at FROM api.api_keys WHERE id = $1", tenant.key_id):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("last_used_at was never recorded")


async def test_keys_never_appear_in_logs(
    session: aiohttp.ClientSession, api_url: str, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api = Api(session, api_url, tenant)
    await api.submit({**BODY, "bogus": 1})
    await api.get("/products/api/v1/nothing/")
    await Api(session, api_url, tenant.api_key[:-2] + "zz").get("/products/api/v1/products/")
    text = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    assert tenant.api_key[4:36] not in text

"""One tenant's bad input is refused where it enters, with the field at fault, and stops nothing:
every case ends with a normal job of another organization completing and every replica healthy."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiokafka import TopicPartition

from api_service.app import create_app
from api_service.settings import ApiSettings
from devtools.endpoints import StackEndpoints
from devtools.kafka_admin import client_settings
from devtools.ports import free_port
from devtools.services import ServiceProcess
from shared.kafka import make_consumer
from tests.support.api import EXPORTS, Api, Tenant
from tests.support.kafka_requests import publish_body, published_job_outcome
from tests.support.others import SUBMIT, another_org_job_completes

SHEET_QR = {
    "scope": "lots",
    "export_type": "sheet_pdf",
    "file_format": "pdf",
    "asset_config": {"symbol": "qr", "digital_link_base": "https://example.com/" + "a" * 183},
}


@pytest.fixture
async def others_still_served(
    session: aiohttp.ClientSession, api_url: str, other_tenant: Tenant, render_replicas: list[ServiceProcess]
) -> AsyncIterator[None]:
    """After the test body: another organization's normal job completes, every replica is healthy."""
    yield
    await another_org_job_completes(session, api_url, other_tenant, render_replicas)


def fields(answer: Any) -> list[str]:
    assert answer.status == 422, (answer.status, answer.body)
    assert answer.body["error"]["code"] == "VALIDATION_ERROR"
    return [d["field"] for d in answer.body["error"]["details"]]


async def job_count(db: asyncpg.Pool, tenant: Tenant) -> int:
    count = await db.fetchval(
        "SELECT count(*) FROM api.export_jobs WHERE organization_id = $1", tenant.organization_id
    )
    return int(count)


pytestmark = pytest.mark.usefixtures("others_still_served")


async def test_a_megabyte_digital_link_base_is_refused_naming_it(
    api: Api, db: asyncpg.Pool, tenant: Tenant
) -> None:
    base = "https://example.com/" + "a" * 1_100_000
    answer = await api.submit(
        {**SUBMIT, "export_type": "qr_codes", "asset_config": {"digital_link_base": base}}
    )
    assert fields(answer) == ["asset_config.digital_link_base"]
    assert "256" in answer.body["error"]["details"][0]["message"]
    assert await job_count(db, tenant) == 0  # nothing reached the outbox


async def test_nul_bytes_in_a_product_name_and_a_template_name(api: Api) -> None:
    answer = await api.post("/products/api/v1/products/", {"gtin": "09506000134352", "name": "Aspirin\x00"})
    assert fields(answer) == ["name"]
    assert "U+0000" in answer.body["error"]["details"][0]["message"]
    template = {
        "name": "mine\x00",
        "page_width_mm": 100,
        "page_height_mm": 100,
        "columns": 1,
        "rows": 1,
        "label_width_mm": 90,
        "label_height_mm": 90,
    }
    answer = await api.submit({**SHEET_QR, "asset_config": {"sheet_template": template}})
    assert fields(answer) == ["asset_config.sheet_template.name"]


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x1b", "\x7f", "\x85"])
async def test_control_characters_in_a_name_are_refused(api: Api, char: str) -> None:
    answer = await api.post(
        "/products/api/v1/products/", {"gtin": "09506000134352", "name": f"Aspirin{char}"}
    )
    assert fields(answer) == ["name"]


async def test_a_2080_expiry_is_refused_at_lot_creation(api: Api) -> None:
    product = await api.product("09506000134352")
    answer = await api.post(
        "/products/api/v1/lots/bulk/",
        {
            "product_id": product["id"],
            "lots": [{"lot_number": "A1"}, {"lot_number": "A2", "expiry_date": "2080-01-01"}],
        },
    )
    assert fields(answer) == ["lots.1.expiry_date"]
    listed = await api.get(f"/products/api/v1/lots/?product_id={product['id']}")
    assert listed.body["pagination"]["total_count"] == 0  # all or nothing


async def test_a_job_id_with_a_trailing_newline_is_not_looked_up(api: Api) -> None:
    answer = await api.get(EXPORTS + "7Hq3mZx9TbWcYdKpRfLs2A%0A/")
    # The contract answers a malformed id with 422 before any query (a 404 would need a lookup).
    assert answer.status == 422, answer.body
    assert answer.body["error"]["details"] == [
        {"field": "job_id", "message": "must be a 22-character shortuuid"}
    ]


async def test_a_sheet_whose_qr_cannot_fit_is_a_422(api: Api) -> None:
    answer = await api.submit(SHEET_QR)
    assert fields(answer) == ["asset_config.module_mm"]
    assert "qr label does not fit" in answer.body["error"]["details"][0]["message"]


async def test_the_same_sheet_request_over_kafka_ends_failed_naming_the_field(
    api: Api, tenant: Tenant, endpoints: StackEndpoints, db: asyncpg.Pool
) -> None:
    job_id = await publish_body(endpoints, tenant, SHEET_QR)
    final = await published_job_outcome(api, job_id)
    assert final["status"] == "failed"
    assert "asset_config.module_mm" in final["error"]
    assert job_id.encode() not in await dlq_keys(endpoints)  # failed, not dead-lettered


async def test_a_request_whose_envelope_carries_a_nul_is_dead_lettered_and_creates_no_job(
    api: Api, tenant: Tenant, endpoints: StackEndpoints, db: asyncpg.Pool
) -> None:
    """The projection stores a request's `source`: a NUL there used to fail its insert on every
    try (then a DLQ entry saying only that), while the planner rendered the job nobody could see."""
    job_id = await publish_body(endpoints, tenant, SUBMIT, source="erp\x00connector")
    async with asyncio.timeout(30):
        while not (reasons := (await dlq_reasons(endpoints)).get(job_id.encode())):
            await asyncio.sleep(0.5)
    (reason,) = reasons  # once, by the planner; the projection skips what is not a CloudEvent
    assert reason.startswith("not a CloudEvent 1.0: source: must not contain control characters"), reason
    assert "U+0000" in reason
    assert await db.fetchval("SELECT count(*) FROM render.jobs WHERE job_id = $1", job_id) == 0
    assert (await api.get(f"{EXPORTS}{job_id}/")).status == 404


async def dlq_keys(endpoints: StackEndpoints) -> set[bytes]:
    return set(await dlq_reasons(endpoints))


async def dlq_reasons(endpoints: StackEndpoints) -> dict[bytes, list[str]]:
    """Every key on the DLQ with the reasons of its entries: each partition read from its start to
    its end offset (no group, so nothing waits for an assignment and an empty answer cannot be a
    slow join)."""
    dlq = make_consumer(client_settings(endpoints.kafka_bootstrap_servers), group_id=None)
    await dlq.start()
    reasons: dict[bytes, list[str]] = {}
    try:
        await dlq.topics()  # loads the metadata partitions_for_topic reads
        tps = [
            TopicPartition("label-export.dlq", p) for p in dlq.partitions_for_topic("label-export.dlq") or ()
        ]
        assert tps, "the DLQ topic has no partitions"
        dlq.assign(tps)
        await dlq.seek_to_beginning(*tps)
        end = await dlq.end_offsets(tps)
        async with asyncio.timeout(30):
            while [tp for tp in tps if await dlq.position(tp) < end[tp]]:
                for records in (await dlq.getmany(timeout_ms=500)).values():
                    for r in records:
                        reason = dict(r.headers).get("dlq-reason", b"").decode()
                        reasons.setdefault(r.key or b"", []).append(reason)
    finally:
        await dlq.stop()
    return reasons


async def test_a_symbol_over_64_megapixels_is_refused_at_submit(api: Api) -> None:
    config = {"dpi": 2400, "module_mm": 0.5, "quiet_zone_modules": 100}
    answer = await api.submit({**SUBMIT, "asset_config": config})
    assert fields(answer) == ["asset_config.dpi"]
    assert "64 megapixel" in answer.body["error"]["details"][0]["message"]


async def test_a_request_too_large_for_one_message_is_refused_naming_the_field(
    service_env: dict[str, str], tenant: Tenant, session: aiohttp.ClientSession, db: asyncpg.Pool
) -> None:
    """The backstop behind the per-field limits: an API whose producers take 64 KiB messages."""
    env = {k.lower(): v for k, v in service_env.items()}
    # Its own projection group: joining the suite API's group would take partitions from the
    # projection every later test relies on (and their rebalance can outlast a test's wait).
    overrides = {
        "kafka_max_message_bytes": "65536",
        "projection_group_id": f"{env['projection_group_id']}-small",
    }
    settings = ApiSettings(**{**env, **overrides}, api_port=free_port())
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", settings.api_port)
    await site.start()
    try:
        small = Api(session, f"http://127.0.0.1:{settings.api_port}", tenant)
        ids = [str(uuid.uuid4()) for _ in range(3_000)]  # ~117 KB of lot ids
        answer = await small.submit({**SUBMIT, "filters": {"lot_ids": ids}})
        assert fields(answer) == ["filters.lot_ids"]
        assert "65536-byte" in answer.body["error"]["details"][0]["message"]
    finally:
        await runner.cleanup()
    assert await job_count(db, tenant) == 0

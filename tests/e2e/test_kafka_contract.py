"""Other services talk to us over Kafka (docs/events.md): their requests become jobs, bad ones end failed
or in the DLQ, and consumption goes on."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
from aiokafka import AIOKafkaProducer

from devtools.endpoints import StackEndpoints
from devtools.kafka_admin import client_settings
from labelkit.ids import new_job_id
from shared.kafka import make_consumer, make_producer
from tests.support.api import EXPORTS, Api, Tenant

pytestmark = pytest.mark.e2e


@pytest.fixture
async def api(api_url: str, tenant: Tenant, render_replicas: Any) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, api_url, tenant)


@pytest.fixture
async def producer(endpoints: StackEndpoints) -> AsyncIterator[AIOKafkaProducer]:
    producer = make_producer(client_settings(endpoints.kafka_bootstrap_servers))
    await producer.start()
    yield producer
    await producer.stop()


def cloud_event(data: dict[str, Any], **overrides: Any) -> bytes:
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "erp-connector",
        "type": "labels.export.requested.v1",
        "subject": data.get("job_id"),
        "time": "2026-11-28T10:15:00Z",
        "datacontenttype": "application/json",
        "data": data,
    }
    event.update(overrides)
    return orjson.dumps(event)


def request_data(tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    data = {
        "job_id": new_job_id(),
        "organization_id": str(tenant.organization_id),
        "scope": "lots",
        "export_type": "datamatrix",
        "file_format": "png",
        "filters": {},
        "asset_config": {},
        "requested_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    data.update(overrides)
    return data


async def wait_visible(api: Api, job_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        answer = await api.get(f"{EXPORTS}{job_id}/")
        if answer.status == 200:
            return answer.body  # type: ignore[no-any-return]
        assert answer.status == 404, answer.body
        assert asyncio.get_running_loop().time() < deadline, f"job {job_id} never appeared"
        await asyncio.sleep(0.1)


async def test_request_published_to_kafka_becomes_a_job(api: Api, producer: AIOKafkaProducer) -> None:
    product = await api.product("09506000134352")
    await api.lots(product["id"], [{"lot_number": "K1", "expiry_date": "2027-05-31"}, {"lot_number": "K2"}])
    data = request_data(api_tenant(api), filters={"product_id": product["id"]})
    await producer.send_and_wait(
        "label-export.requested",
        cloud_event(data),
        key=data["job_id"].encode(),
        headers=[("content-type", b"application/cloudevents+json")],
    )
    await wait_visible(api, data["job_id"])
    status = await api.wait_terminal(data["job_id"])
    assert status["status"] == "completed", status
    assert status["total_items"] == 2 and status["download_url"]


async def test_invalid_kafka_request_ends_failed_with_a_reason(api: Api, producer: AIOKafkaProducer) -> None:
    data = request_data(api_tenant(api), file_format="eps")  # datamatrix cannot be EPS
    await producer.send_and_wait("label-export.requested", cloud_event(data), key=data["job_id"].encode())
    await wait_visible(api, data["job_id"])
    status = await api.wait_terminal(data["job_id"])
    assert status["status"] == "failed"
    assert "file_format" in status["error"]


async def test_unknown_organization_ends_failed(producer: AIOKafkaProducer, api: Api, db: Any) -> None:
    data = request_data(api_tenant(api), organization_id=str(uuid.uuid4()))
    await producer.send_and_wait("label-export.requested", cloud_event(data), key=data["job_id"].encode())
    for _ in range(300):
        row = await db.fetchrow("SELECT status, error FROM api.export_jobs WHERE job_id = $1", data["job_id"])
        if row and row["status"] == "failed":
            break
        await asyncio.sleep(0.1)
    assert row is not None and row["status"] == "failed"
    assert "unknown organization" in row["error"]


async def test_non_cloudevent_goes_to_dlq_and_consumption_continues(
    api: Api, producer: AIOKafkaProducer, endpoints: StackEndpoints
) -> None:
    poison = [b"not json at all", b'{"hello": "world"}', cloud_event({"job_id": "short"})]
    for value in poison:
        await producer.send_and_wait("label-export.requested", value, key=b"poison")
    dlq = make_consumer(
        client_settings(endpoints.kafka_bootstrap_servers),
        "label-export.dlq",
        group_id=f"dlq-reader-{uuid.uuid4().hex}",
    )
    await dlq.start()
    try:
        seen: dict[bytes, str] = {}
        async with asyncio.timeout(30):
            while not all(v in seen for v in poison):
                for records in (await dlq.getmany(timeout_ms=500)).values():
                    for r in records:
                        headers = dict(r.headers)
                        seen[r.value] = headers["dlq-reason"].decode()
    finally:
        await dlq.stop()
    assert "not JSON" in seen[b"not json at all"]
    assert "not a CloudEvent" in seen[b'{"hello": "world"}']
    assert "job_id" in seen[poison[2]]
    # Consumption went on: a good request after the poison still completes.
    receipt = await api.submit({"scope": "lots", "export_type": "datamatrix", "file_format": "png"})
    assert (await api.wait_terminal(receipt.body["job_id"]))["status"] == "completed"


def api_tenant(api: Api) -> Tenant:
    assert api.tenant is not None
    return api.tenant

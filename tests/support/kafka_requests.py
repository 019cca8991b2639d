"""Requests published straight to `label-export.requested`, as another service would
(docs/events.md), and the job each becomes."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

from devtools.endpoints import StackEndpoints
from devtools.kafka_admin import client_settings
from labelkit.ids import new_job_id
from shared.kafka import make_producer
from tests.support.api import EXPORTS, Api, Tenant

REQUESTED = "label-export.requested"


def cloud_event(data: Any, **overrides: Any) -> bytes:
    """A requested event around `data` (any JSON, so tests can send bad data); `overrides` replace
    envelope fields (`type`, `source`, ...)."""
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "erp-connector",
        "type": "labels.export.requested.v1",
        "subject": data.get("job_id") if isinstance(data, dict) else None,
        "time": "2026-11-28T10:15:00Z",
        "datacontenttype": "application/json",
        "data": data,
    }
    event.update(overrides)
    return orjson.dumps(event)


def request_data(tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    """A request of `tenant` under a new job id; `overrides` (e.g. a submit body) replace fields."""
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


async def publish_request(producer: AIOKafkaProducer, data: dict[str, Any], **envelope: Any) -> str:
    """Publish one request as a CloudEvent keyed by its job id; returns the job id."""
    await producer.send_and_wait(
        REQUESTED,
        cloud_event(data, **envelope),
        key=data["job_id"].encode(),
        headers=[("content-type", b"application/cloudevents+json")],
    )
    return str(data["job_id"])


async def publish_body(
    endpoints: StackEndpoints, tenant: Tenant, body: dict[str, Any], **envelope: Any
) -> str:
    """Publish a submit body as a request of `tenant` with a producer of its own; the job id."""
    producer = make_producer(client_settings(endpoints.kafka_bootstrap_servers))
    await producer.start()
    try:
        return await publish_request(producer, request_data(tenant, **body), **envelope)
    finally:
        await producer.stop()


async def wait_visible(api: Api, job_id: str, timeout: float = 30) -> dict[str, Any]:
    """The job of a published request, once the API's projection has recorded it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        answer = await api.get(f"{EXPORTS}{job_id}/")
        if answer.status == 200:
            return answer.body  # type: ignore[no-any-return]
        assert answer.status == 404, answer.body
        assert asyncio.get_running_loop().time() < deadline, f"job {job_id} never appeared"
        await asyncio.sleep(0.1)


async def published_job_outcome(api: Api, job_id: str) -> dict[str, Any]:
    """The terminal status of a published job, once the API knows it (it 404s until then)."""
    await wait_visible(api, job_id)
    return await api.wait_terminal(job_id)

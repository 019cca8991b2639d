"""A request published to Kafka by "another service" (docs/events.md), and the job it becomes."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import orjson

from devtools.endpoints import StackEndpoints
from devtools.kafka_admin import client_settings
from labelkit.ids import new_job_id
from shared.kafka import make_producer
from tests.support.api import EXPORTS, Api, Tenant


def requested_event(
    tenant: Tenant, body: dict[str, Any], *, source: str = "erp-connector"
) -> tuple[str, dict[str, Any]]:
    """`body` (a submit body) as a `labels.export.requested.v1` CloudEvent of `tenant`, and the
    job id it names."""
    job_id = new_job_id()
    data = {
        **body,
        "job_id": job_id,
        "organization_id": str(tenant.organization_id),
        "requested_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "type": "labels.export.requested.v1",
        "subject": job_id,
        "datacontenttype": "application/json",
        "data": data,
    }
    return job_id, event


async def publish(endpoints: StackEndpoints, job_id: str, event: dict[str, Any]) -> None:
    """Send `event` on the requested topic, keyed by its job, as another service would."""
    producer = make_producer(client_settings(endpoints.kafka_bootstrap_servers))
    await producer.start()
    try:
        await producer.send_and_wait("label-export.requested", orjson.dumps(event), key=job_id.encode())
    finally:
        await producer.stop()


async def publish_request(endpoints: StackEndpoints, tenant: Tenant, body: dict[str, Any]) -> str:
    """Publish `body` as a request of `tenant`; the job id it names."""
    job_id, event = requested_event(tenant, body)
    await publish(endpoints, job_id, event)
    return job_id


async def published_job_outcome(api: Api, job_id: str) -> dict[str, Any]:
    """The terminal status of a published job, once the API knows it (it 404s until then)."""
    async with asyncio.timeout(30):
        while (await api.get(f"{EXPORTS}{job_id}/")).status == 404:
            await asyncio.sleep(0.1)
    return await api.wait_terminal(job_id)

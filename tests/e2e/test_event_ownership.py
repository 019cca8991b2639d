"""Ownership travels with every event (tenancy, docs/invariants.md#tenancy), on the real stack.

Organization A (`tenant`) owns jobs; organization B (`other_tenant`) publishes on Kafka what any
workload reaching the brokers could: a forged completion for its own job pointing at A's artifact,
a request reusing A's job id, cancels naming A's jobs. A's jobs never change, B never gets a link
into A's objects, and a third organization's normal job completes afterwards.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import orjson
import pytest
from aiokafka import AIOKafkaProducer

from api_service.domain.job_status import UNSERVABLE_ARTIFACT
from devtools.endpoints import StackEndpoints
from devtools.services import ServiceProcess
from labelkit.ids import new_job_id
from shared import events
from shared.ownership import conflict_error, job_prefix
from tests.support.api import EXPORTS, Api, Tenant
from tests.support.kafka import Record, headers_of, publish, wait_for_record
from tests.support.kafka_requests import wait_visible
from tests.support.others import SUBMIT, another_org_job_completes

REQUESTED, EVENTS, DLQ = "label-export.requested", "label-export.events", "label-export.dlq"


async def organization_with_a_lot(session: aiohttp.ClientSession, api_url: str, who: Tenant) -> Api:
    api = Api(session, api_url, who)
    product = await api.product("09506000134352")
    await api.lots(product["id"], [{"lot_number": "LOT-1", "expiry_date": "2030-01-31"}])
    return api


@pytest.fixture
async def owner(session: aiohttp.ClientSession, api_url: str, tenant: Tenant) -> Api:
    """Organization A, with one lot to export."""
    return await organization_with_a_lot(session, api_url, tenant)


@pytest.fixture
async def intruder(session: aiohttp.ClientSession, api_url: str, other_tenant: Tenant) -> Api:
    """Organization B, with one lot of its own."""
    return await organization_with_a_lot(session, api_url, other_tenant)


@pytest.fixture
async def others_still_served(
    session: aiohttp.ClientSession,
    api_url: str,
    third_tenant: Tenant,
    render_replicas: list[ServiceProcess],
) -> AsyncIterator[None]:
    yield
    await another_org_job_completes(session, api_url, third_tenant, render_replicas)


pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("others_still_served")]


def org(api: Api) -> Any:
    assert api.tenant is not None
    return api.tenant.organization_id


def request_for(job_id: str, organization_id: Any, *, source: str = "intruder") -> events.CloudEvent:
    return events.export_requested(
        job_id=job_id,
        organization_id=organization_id,
        spec=SUBMIT,
        requested_at=dt.datetime.now(dt.UTC),
        source=source,
    )


def data_of(record: Record) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(record.value or b"{}")["data"]
    return data


def dead_lettered_from(topic: str, job_id: str) -> Any:
    """Matches the DLQ entry of a record of `job_id` refused while consuming `topic`."""
    return lambda r: r.key == job_id.encode() and headers_of(r).get("dlq-source-topic") == topic


async def completed_job(api: Api) -> dict[str, Any]:
    receipt = await api.submit(SUBMIT)
    assert receipt.status == 202, receipt.body
    status = await api.wait_terminal(receipt.body["job_id"])
    assert status["status"] == "completed", status
    return status


async def downloaded_sha256(api: Api, url: str) -> str:
    async with api.session.get(url) as resp:
        assert resp.status == 200
        return hashlib.sha256(await resp.read()).hexdigest()


async def test_a_forged_completion_never_links_into_another_organizations_objects(
    owner: Api, intruder: Api, producer: AIOKafkaProducer, endpoints: StackEndpoints, db: asyncpg.Pool
) -> None:
    theirs = await completed_job(owner)
    their_key = await db.fetchval(
        "SELECT artifact_key FROM api.export_jobs WHERE job_id = $1", theirs["job_id"]
    )
    assert their_key.startswith(job_prefix(org(owner), theirs["job_id"]))

    def forged(job_id: str) -> events.CloudEvent:
        """B's completion of its own job, naming its own organization, pointing at A's artifact."""
        return events.make_event(
            events.ExportCompleted(
                job_id=job_id,
                organization_id=org(intruder),
                total_items=1,
                key=their_key,
                output_filename=theirs["output_filename"],
                file_size_bytes=theirs["file_size_bytes"],
                content_type="application/zip",
                sha256=theirs["sha256"],
            ),
            source="intruder",
        )

    # A job B submitted over HTTP (open or already done when the forgery arrives), and one B
    # publishes over Kafka with the forgery sent first (the projection does not know it yet).
    over_http = (await intruder.submit(SUBMIT)).body["job_id"]
    await publish(producer, EVENTS, forged(over_http))
    over_kafka = new_job_id()
    await publish(producer, EVENTS, forged(over_kafka))
    await publish(producer, REQUESTED, request_for(over_kafka, org(intruder)))

    for job_id in (over_http, over_kafka):
        entry = await wait_for_record(
            endpoints.kafka_bootstrap_servers, DLQ, dead_lettered_from(EVENTS, job_id)
        )
        assert headers_of(entry)["dlq-reason"] == (
            f"labels.export.completed.v1 for job {job_id}: key {their_key!r} is not under "
            f"{job_prefix(org(intruder), job_id)!r}"
        )
        assert orjson.loads(entry.value or b"")["data"]["key"] == their_key  # the forgery, unchanged
        await wait_visible(intruder, job_id)
        mine = await intruder.wait_terminal(job_id)
        assert mine["status"] == "completed", mine
        link = urlsplit(mine["download_url"]).path
        assert job_prefix(org(intruder), job_id) in link and str(org(owner)) not in link
        assert await downloaded_sha256(intruder, mine["download_url"]) == mine["sha256"] != theirs["sha256"]

    # A row recorded before the projection checked keys (written here by hand): the status route
    # presigns nothing outside the job's own objects and shows the job failed, saying so.
    await db.execute("UPDATE api.export_jobs SET artifact_key = $2 WHERE job_id = $1", over_http, their_key)
    shown = (await intruder.get(f"{EXPORTS}{over_http}/")).body
    assert shown["status"] == "failed" and shown["error"] == UNSERVABLE_ARTIFACT, shown
    assert shown["download_url"] is None and shown["sha256"] is None and shown["output_filename"] is None

    # A's job and its artifact are as they were.
    again = (await owner.get(f"{EXPORTS}{theirs['job_id']}/")).body
    assert {k: v for k, v in again.items() if k not in ("download_url", "expires_at")} == {
        k: v for k, v in theirs.items() if k not in ("download_url", "expires_at")
    }
    assert await downloaded_sha256(owner, again["download_url"]) == theirs["sha256"]


async def test_a_reused_job_id_is_refused_and_the_owners_job_is_unchanged(
    owner: Api, intruder: Api, producer: AIOKafkaProducer, endpoints: StackEndpoints, db: asyncpg.Pool
) -> None:
    theirs = await completed_job(owner)
    job_id = theirs["job_id"]
    read_model = (
        "SELECT organization_id, status, artifact_key, sha256, version FROM api.export_jobs WHERE job_id = $1"
    )
    render_row = (
        "SELECT organization_id, status, artifact_key, sha256, total_items FROM render.jobs WHERE job_id = $1"
    )
    before = (dict(await db.fetchrow(read_model, job_id)), dict(await db.fetchrow(render_row, job_id)))

    await publish(producer, REQUESTED, request_for(job_id, org(intruder)))

    # B hears of the conflict on its own job id, under its own organization.
    refusal = await wait_for_record(
        endpoints.kafka_bootstrap_servers,
        EVENTS,
        lambda r: r.key == job_id.encode() and data_of(r).get("organization_id") == str(org(intruder)),
    )
    assert orjson.loads(refusal.value or b"")["type"] == events.FAILED_V1
    assert data_of(refusal)["error"] == conflict_error(job_id)
    # That `failed` is B's, not A's: the projection dead-letters it instead of failing A's job.
    entry = await wait_for_record(endpoints.kafka_bootstrap_servers, DLQ, dead_lettered_from(EVENTS, job_id))
    assert headers_of(entry)["dlq-reason"] == (
        f"labels.export.failed.v1 for job {job_id} names organization {org(intruder)}, "
        "but the job belongs to another organization"
    )

    after = (dict(await db.fetchrow(read_model, job_id)), dict(await db.fetchrow(render_row, job_id)))
    assert after == before
    assert (await owner.get(f"{EXPORTS}{job_id}/")).body["status"] == "completed"
    assert (await intruder.get(f"{EXPORTS}{job_id}/")).status == 404
    assert (await intruder.post(f"{EXPORTS}{job_id}/cancel/", None)).status == 404


async def test_a_cancel_naming_another_organization_changes_nothing(
    owner: Api, intruder: Api, producer: AIOKafkaProducer, endpoints: StackEndpoints, db: asyncpg.Pool
) -> None:
    def cancel(job_id: str) -> events.CloudEvent:
        data = events.CancelRequested(
            job_id=job_id, organization_id=org(intruder), requested_at=dt.datetime.now(dt.UTC)
        )
        return events.make_event(data, source="intruder")

    # A job the render service has planned: the cancel is dead-lettered, the job completes.
    product = (await owner.get("/products/api/v1/products/")).body["data"][0]
    lot = (await owner.lots(product["id"], [{"lot_number": "A-BIG"}]))["ids"][0]
    created = await owner.post("/products/api/v1/serials/bulk/", {"lot_id": lot, "generate": {"count": 3000}})
    assert created.status == 201, created.body
    body = {
        "scope": "serials",
        "export_type": "datamatrix",
        "file_format": "png",
        "filters": {"lot_ids": [lot]},
    }
    planned = (await owner.submit(body)).body["job_id"]
    async with asyncio.timeout(60):  # until planned: its `started` has reached the read model
        while (await owner.get(f"{EXPORTS}{planned}/")).body["status"] == "pending":
            await asyncio.sleep(0.05)
    await publish(producer, REQUESTED, cancel(planned))
    entry = await wait_for_record(
        endpoints.kafka_bootstrap_servers, DLQ, dead_lettered_from(REQUESTED, planned)
    )
    assert headers_of(entry)["dlq-reason"] == (
        f"labels.export.cancel_requested.v1 for job {planned} names organization {org(intruder)}, "
        "but the job belongs to another organization"
    )
    status = await owner.wait_terminal(planned, timeout=120)
    assert status["status"] == "completed" and status["total_items"] == 3000, status

    # A job the render service has not seen yet: B's cancel comes first, then A's request.
    unseen = new_job_id()
    await publish(producer, REQUESTED, cancel(unseen))
    await publish(producer, REQUESTED, request_for(unseen, org(owner), source="a-connector"))
    # The render service answered the cancel with a `failed` under B's organization only...
    answer = await wait_for_record(
        endpoints.kafka_bootstrap_servers,
        EVENTS,
        lambda r: r.key == unseen.encode() and orjson.loads(r.value or b"{}").get("type") == events.FAILED_V1,
    )
    assert data_of(answer) == {
        "job_id": unseen,
        "organization_id": str(org(intruder)),
        "error": events.CANCELLED_ERROR,
    }
    # ... which A's job never took, whether it was parked before A's request or came after it.
    await wait_visible(owner, unseen)
    status = await owner.wait_terminal(unseen)
    assert status["status"] == "completed" and status["total_items"] == 2, status  # A's two lots
    assert await db.fetchval("SELECT count(*) FROM api.parked_events WHERE job_id = $1", unseen) == 0
    assert await db.fetchval("SELECT organization_id FROM render.jobs WHERE job_id = $1", unseen) == org(
        owner
    )

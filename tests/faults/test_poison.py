"""Poison messages on every topic (scenario 9): each ends where docs/events.md says — the DLQ with the
reason (not JSON, not a CloudEvent, wrong type, invalid data), a `failed` job (a well-formed
request that is invalid or names an unknown organization), or parked (an event for a job not
known yet) — and consumption goes on: good jobs published after them, on every partition,
complete.

Every poison message is sent to every partition, so each partition's consumer meets all of them.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from typing import Any

import aiohttp
import pytest
from aiokafka.partitioner import DefaultPartitioner

from labelkit.ids import new_job_id
from render_service.chunks.task import CHUNK_V1
from shared import events
from tests.faults.allowed_endings import verify_completed
from tests.faults.catalog import make_catalog
from tests.faults.polling import poll_terminal
from tests.faults.rig import Rig
from tests.faults.timings import record
from tests.faults.waiting import now, wait_for
from tests.support.api import EXPORTS, Api
from tests.support.kafka_requests import cloud_event

pytestmark = pytest.mark.slow

REQUESTED, EVENTS, CHUNKS, DLQ = (
    "label-export.requested",
    "label-export.events",
    "label-export.chunks",
    "label-export.dlq",
)
PARTITIONS = 4


def partition_of(job_id: str) -> int:
    return DefaultPartitioner()(job_id.encode(), list(range(PARTITIONS)), list(range(PARTITIONS)))  # type: ignore[no-any-return]


def ce(type_: str, data: Any, **overrides: Any) -> bytes:
    return cloud_event(data, type=type_, source="poison-test", **overrides)


def request(org: uuid.UUID | str, job_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    data = {
        "job_id": job_id or new_job_id(),
        "organization_id": str(org),
        "scope": "lots",
        "export_type": "datamatrix",
        "file_format": "png",
        "filters": {},
        "asset_config": {},
        "requested_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    data.update(overrides)
    return data


async def test_poison_messages_on_every_topic(rig: Rig) -> None:
    await rig.ensure_renders("render-1", "render-2")
    tenant, other = await rig.tenant(), await rig.tenant()
    async with rig.client(tenant) as api, rig.producer() as producer:
        catalog = await make_catalog(api, 2000)
        victim = (await api.submit(catalog.body)).body["job_id"]  # another org will try to cancel it
        await poll_terminal(api, victim, timeout=60)
        org = tenant.organization_id
        valid_job = new_job_id()

        # name → (topic, value, expected DLQ reason fragment)
        to_dlq: dict[str, tuple[str, bytes | None, str]] = {
            "req-not-json": (REQUESTED, b"\x00\xff not json", "not JSON"),
            "req-json-array": (REQUESTED, b"[1, 2, 3]", "not a JSON object"),
            "req-not-cloudevent": (REQUESTED, b'{"hello": "world"}', "not a CloudEvent"),
            "req-data-not-object": (REQUESTED, ce(events.REQUESTED_V1, "just a string"), "not a CloudEvent"),
            "req-tombstone": (REQUESTED, None, "no value"),
            "req-wrong-type": (
                REQUESTED,
                ce(events.COMPLETED_V1, {"job_id": valid_job}),
                "unexpected event type",
            ),
            "req-bad-job-id": (REQUESTED, ce(events.REQUESTED_V1, request(org, job_id="short")), "job_id"),
            "req-no-organization": (
                REQUESTED,
                ce(events.REQUESTED_V1, {k: v for k, v in request(org).items() if k != "organization_id"}),
                "organization_id is missing",
            ),
            "req-foreign-cancel": (
                REQUESTED,
                ce(
                    events.CANCEL_REQUESTED_V1,
                    {
                        "job_id": victim,
                        "organization_id": str(other.organization_id),
                        "requested_at": "2026-11-28T10:15:00Z",
                    },
                ),
                "another organization",
            ),
            "ev-not-json": (EVENTS, b"{{{", "not JSON"),
            "ev-not-cloudevent": (EVENTS, b'{"specversion": "0.3"}', "not a CloudEvent"),
            "ev-unknown-type": (
                EVENTS,
                ce("labels.export.exploded.v1", {"job_id": valid_job}),
                "unknown event type",
            ),
            "ev-invalid-data": (
                EVENTS,
                ce(events.PROGRESS_V1, {"job_id": valid_job, "processed_items": -5, "total_items": 10}),
                "invalid",
            ),
            "ev-wrong-field-type": (
                EVENTS,
                ce(events.COMPLETED_V1, {"job_id": valid_job, "total_items": "many"}),
                "invalid",
            ),
            "ev-request-on-events": (EVENTS, ce(events.REQUESTED_V1, request(org)), "does not belong"),
            "chunk-not-json": (CHUNKS, b"\xde\xad", "not JSON"),
            "chunk-unknown-job": (
                CHUNKS,
                ce(CHUNK_V1, {"job_id": new_job_id(), "chunk_index": 0, "chunk_count": 1}),
                "unknown job",
            ),
        }
        # Well-formed but unusable requests end as failed jobs; an event for an unknown job is parked.
        invalid_request = request(org, export_type="bogus")
        unknown_org = request(uuid.uuid4())
        early_event = events.ExportProgress(
            job_id=new_job_id(), organization_id=org, processed_items=1, total_items=2
        )

        started = now()
        for name, (topic, value, _) in to_dlq.items():
            for p in range(PARTITIONS):
                await producer.send_and_wait(topic, value, key=f"{name}-{p}".encode(), partition=p)
        for data in (invalid_request, unknown_org):
            await producer.send_and_wait(
                REQUESTED, ce(events.REQUESTED_V1, data), key=data["job_id"].encode()
            )
        await producer.send_and_wait(
            EVENTS,
            events.encode(events.make_event(early_event, source="poison-test")),
            key=early_event.job_id.encode(),
        )

        # Good work behind the poison on every partition: Kafka requests whose ids cover all four
        # partitions (their events then cover all four event partitions too), and an HTTP job.
        good: dict[int, str] = {}
        while len(good) < PARTITIONS:
            job_id = new_job_id()
            good.setdefault(partition_of(job_id), job_id)
        for job_id in good.values():
            data = request(org, job_id=job_id, scope="serials", filters={"lot_ids": [catalog.lot_id]})
            await producer.send_and_wait(REQUESTED, ce(events.REQUESTED_V1, data), key=job_id.encode())
        http_job = (await api.submit(catalog.body)).body["job_id"]

        for job_id in [*good.values(), http_job]:
            await wait_for(functools.partial(_visible, api, job_id), timeout=60, what=f"job {job_id}")
            status = await poll_terminal(api, job_id, timeout=120)
            await verify_completed(rig, api, tenant, status, catalog, sample=5)
        good_done_s = now() - started

        failed = await poll_terminal(api, invalid_request["job_id"], timeout=60)
        assert failed["status"] == "failed" and "export_type" in failed["error"], failed
        assert failed["download_url"] is None

        async def unknown_org_failed() -> str | None:
            row = await rig.q(
                "fetchrow",
                "SELECT status, error FROM api.export_jobs WHERE job_id = $1",
                unknown_org["job_id"],
            )
            return row["error"] if row is not None and row["status"] == "failed" else None

        assert "unknown organization" in await wait_for(
            unknown_org_failed, timeout=60, what="unknown org job failed"
        )
        async with aiohttp.ClientSession() as session:  # another org sees nothing of that job
            other_api = Api(session, rig.api.url, other)
            assert (await other_api.get(f"{EXPORTS}{unknown_org['job_id']}/")).status == 404
        parked = await rig.q(
            "fetchval", "SELECT count(*) FROM api.parked_events WHERE job_id = $1", early_event.job_id
        )
        assert parked == 1
        victim_status = (await api.get(f"{EXPORTS}{victim}/")).body
        assert victim_status["status"] == "completed", victim_status  # the foreign cancel did nothing

    dlq = await rig.read_topic(DLQ, idle=2.0)
    by_key: dict[str, list[dict[str, str]]] = {}
    for r in dlq:
        headers = {k: v.decode() for k, v in r.headers}
        by_key.setdefault((r.key or b"").decode(), []).append(headers)
    for name, (topic, _, reason) in to_dlq.items():
        for p in range(PARTITIONS):
            entries = by_key.pop(f"{name}-{p}", [])
            assert len(entries) == 1, (name, p, entries)  # exactly one DLQ entry per bad message
            assert entries[0]["dlq-source-topic"] == topic and entries[0]["dlq-source-partition"] == str(p)
            assert reason.lower() in entries[0]["dlq-reason"].lower(), (name, entries[0]["dlq-reason"])
    assert by_key == {}, f"unexpected DLQ entries: {by_key}"  # nothing valid was dead-lettered

    for proc in rig.renders.values():  # both consumer loops of every replica still alive
        async with aiohttp.ClientSession() as session, session.get(f"{proc.url}/healthz") as resp:
            assert resp.status == 200, await resp.text()
    record(
        "9. poison messages on requested, events and chunks topics (every partition)",
        outcome=f"{len(to_dlq) * PARTITIONS} to the DLQ with reasons (one entry each); invalid request and "
        "unknown organization -> failed jobs; early event parked; 5 good jobs after them completed",
        good_jobs_done_s=good_done_s,
        lost="nothing",
    )


async def _visible(api: Api, job_id: str) -> bool:
    return (await api.get(f"{EXPORTS}{job_id}/")).status == 200

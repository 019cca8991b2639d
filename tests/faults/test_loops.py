"""One tenant's bad input never stops a loop for everyone else (poison isolation).

- An outbox row the broker can never take is marked dead, its job fails with the reason, and the
  rows after it are published.
- A 1 MB (and a 2 MB) non-JSON value on the requested topic: its DLQ copy would not fit, so a
  bounded copy goes instead; both planners keep running, nothing restarts.
- A job whose request the render service can never answer is re-published at most
  STALE_JOB_MAX_REPUBLISHES times, then fails saying why.
- Jobs whose requests wait in Kafka while every render replica is frozen, longer than that cap
  allows, are not failed (their re-publishes were never taken), and complete once the replicas wake.

Each case ends with a normal job of another organization completing and every replica's /healthz
ok, with every loop running.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import signal
import uuid

import aiohttp
import orjson
import pytest
from aiokafka.errors import KafkaError

from api_service.settings import ApiSettings
from labelkit.ids import new_job_id
from shared.kafka import make_producer
from tests.faults.allowed_endings import verify_completed
from tests.faults.catalog import make_catalog
from tests.faults.healthy import another_org_completes_and_all_healthy
from tests.faults.polling import poll_terminal
from tests.faults.processes import replica_processes, signal_all
from tests.faults.rig import Rig
from tests.faults.timings import record
from tests.faults.waiting import now, wait_for

pytestmark = pytest.mark.slow

REQUESTED, DLQ = "label-export.requested", "label-export.dlq"
RENDERS = ("render-1", "render-2")


async def insert_job(rig: Rig, *, job_id: str, organization_id: uuid.UUID) -> None:
    await rig.q(
        "execute",
        """INSERT INTO api.export_jobs (job_id, organization_id, scope, export_type, file_format, source)
           VALUES ($1, $2, 'serials', 'datamatrix', 'png', 'faults')""",
        job_id,
        organization_id,
    )


async def test_outbox_row_that_cannot_be_published_is_dead_and_its_job_fails(rig: Rig) -> None:
    await rig.ensure_renders(*RENDERS)
    tenant = await rig.tenant()
    job_id = new_job_id()
    await insert_job(rig, job_id=job_id, organization_id=tenant.organization_id)
    # Larger than KAFKA_MAX_MESSAGE_BYTES: the API refuses such a request at submit, so only a row
    # written before that check (or by hand) can be this large.
    value = orjson.dumps({"specversion": "1.0", "data": {"job_id": job_id, "pad": "a" * 1_100_000}})
    await rig.q(
        "execute",
        "INSERT INTO api.outbox (topic, key, value) VALUES ($1, $2, $3); ",
        REQUESTED,
        job_id,
        value,
    )
    await rig.q("execute", "NOTIFY label_export_outbox")
    started = now()
    async with rig.client(tenant) as api:
        status = await poll_terminal(api, job_id, timeout=30)
    assert status["status"] == "failed", status
    assert "could not be published" in status["error"] and "MessageSizeTooLarge" in status["error"], status
    row = await rig.q(
        "fetchrow", "SELECT dead_at, last_error, attempts FROM api.outbox WHERE key = $1", job_id
    )
    assert row["dead_at"] is not None and row["attempts"] == 1 and "MessageSizeTooLarge" in row["last_error"]
    failed_s = now() - started
    await another_org_completes_and_all_healthy(rig)
    record(
        "outbox row that can never be published (1.1 MB)",
        outcome="marked dead, its job failed with the reason; another organization's job completed",
        job_failed_s=round(failed_s, 2),
    )


@pytest.mark.parametrize("size", [1_048_576, 2_097_152])
async def test_huge_poison_message_is_dead_lettered_bounded_and_planning_goes_on(rig: Rig, size: int) -> None:
    await rig.ensure_renders(*RENDERS)
    before = {name: await _restarts(rig, name) for name in RENDERS}
    key = f"huge-{size}-{uuid.uuid4().hex[:8]}"
    value = b"\xff" + bytes(range(256)) * (size // 256)  # not JSON, over the producers' 1 MiB limit
    producer = make_producer(rig.settings, max_request_size=4 * size)
    await producer.start()
    try:
        await producer.send_and_wait(REQUESTED, value=value, key=key.encode())
    except KafkaError as exc:
        pytest.skip(f"the broker refuses a {size}-byte message: {type(exc).__name__}")
    finally:
        await producer.stop()

    async def bounded_copy() -> dict[str, object] | None:
        for r in await rig.read_topic(DLQ, idle=1.0, first_wait=2.0):
            if r.key == key.encode():
                headers = dict(r.headers)
                assert headers["dlq-bounded"] == b"1" and headers["dlq-source-topic"] == REQUESTED.encode()
                copy: dict[str, object] = orjson.loads(r.value)
                return copy
        return None

    copy = await wait_for(bounded_copy, timeout=60, what="the bounded DLQ copy")
    assert copy["original_size"] == len(value)
    assert copy["sha256"] == hashlib.sha256(value).hexdigest()
    assert base64.b64decode(str(copy["head_base64"])) == value[: rig.settings.dlq_excerpt_bytes]
    assert "JSON" in str(copy["reason"]) or "json" in str(copy["reason"]), copy["reason"]
    reports = await another_org_completes_and_all_healthy(rig)
    for name in RENDERS:  # the planner never ended: no restart was needed
        assert reports[rig.render(name).name]["planner"]["restarts"] == before[name], reports
    record(
        f"{size // 1_048_576} MiB non-JSON message on the requested topic",
        outcome="bounded copy in the DLQ (size, SHA-256, first bytes, reason); planners never restarted; "
        "another organization's job completed",
    )


async def _restarts(rig: Rig, name: str) -> object:
    async with aiohttp.ClientSession() as session, session.get(f"{rig.render(name).url}/healthz") as resp:
        return (await resp.json())["loops"]["planner"]["restarts"]


async def test_stale_job_republishing_is_capped(rig: Rig) -> None:
    await rig.ensure_renders(*RENDERS)
    tenant = await rig.tenant()
    # A job id the render service refuses (not of the id alphabet): it dead-letters every copy
    # of the request, so the job never moves and only the cap ends it. (The status route refuses
    # such an id too, so the job is read from the read model.)
    job_id = "0" * 22
    await insert_job(rig, job_id=job_id, organization_id=tenant.organization_id)
    await rig.q(
        "execute",
        "UPDATE api.export_jobs SET updated_at = now() - interval '1 hour' WHERE job_id = $1",
        job_id,
    )
    started = now()

    async def failed() -> object:
        return await rig.q(
            "fetchrow",
            "SELECT error, republish_count FROM api.export_jobs WHERE job_id = $1 AND status = 'failed'",
            job_id,
        )

    row = await wait_for(failed, timeout=120, what="the capped job to fail", interval=0.5)
    assert "re-published 5 times" in row["error"], row["error"]  # type: ignore[index]
    assert row["republish_count"] == 5  # type: ignore[index]
    failed_s = now() - started
    await another_org_completes_and_all_healthy(rig)
    record(
        "stale job whose request is never answered",
        outcome="re-published 5 times, then failed saying why; another organization's job completed",
        job_failed_s=round(failed_s, 1),
    )


QUEUED_JOBS = 6


async def test_job_queued_behind_a_backlog_is_not_failed_by_the_republish_cap(rig: Rig) -> None:
    """Every render replica frozen (SIGSTOP: an outage of the render service) while jobs wait in
    Kafka for longer than STALE_JOB_MAX_REPUBLISHES × STALE_JOB_SECONDS: their requests are
    re-published (then held back while the copy is still in the log), but the planner never took
    them, so none counts and none fails; once the replicas wake, all complete. (Counting every
    re-publish failed such jobs: tests/faults/test_load.py under load.)"""
    stale_after = float(rig.env["STALE_JOB_SECONDS"])
    cap = ApiSettings.model_fields["stale_job_max_republishes"].default
    replicas = await rig.ensure_renders(*RENDERS)
    tenant = await rig.tenant()
    async with rig.client(tenant) as api:
        catalog = await make_catalog(api, 20)
        frozen = [pid for proc in replicas for pid in replica_processes(proc)]
        signal_all(frozen, signal.SIGSTOP)
        frozen_at = now()
        try:
            job_ids = []
            for _ in range(QUEUED_JOBS):
                receipt = await api.submit(catalog.body)
                assert receipt.status == 202, receipt.body
                job_ids.append(receipt.body["job_id"])

            # Frozen well past the point where counting every re-publish failed a job.
            await asyncio.sleep((cap + 2) * stale_after)
            rows = await rig.q(
                "fetch",
                """SELECT status, error, republish_count,
                          (SELECT count(*) - 1 FROM api.outbox o WHERE o.key = j.job_id) AS republished
                     FROM api.export_jobs j WHERE job_id = ANY($1::text[])""",
                job_ids,
            )
            assert [(r["status"], r["error"], r["republish_count"]) for r in rows] == [
                ("pending", None, 0)
            ] * QUEUED_JOBS
            # Re-published, but held back while the copy waits in the log (not one every period).
            republished = sorted(r["republished"] for r in rows)
            assert republished[0] >= 1 and republished[-1] <= 3, republished
        finally:
            signal_all(frozen, signal.SIGCONT)
        woken_at = now()
        outage_s = woken_at - frozen_at
        for job_id in job_ids:
            status = await poll_terminal(api, job_id, timeout=120)
            assert status["status"] == "completed", status
            await verify_completed(rig, api, tenant, status, catalog, sample=5)
        completed_s = now() - woken_at
    assert outage_s > cap * stale_after
    await another_org_completes_and_all_healthy(rig)
    record(
        "jobs queued behind a render outage longer than the republish cap",
        outcome=f"{QUEUED_JOBS} jobs stale for over {cap} periods while queued, re-published "
        f"{republished[0]}-{republished[-1]} times, none failed; all completed once the replicas woke; "
        "another organization's job completed",
        outage_s=round(outage_s, 1),
        all_completed_after_wake_s=round(completed_s, 1),
    )

"""The Kafka broker down at submit time (scenario 3) and restarted mid-job (scenario 4).

Tansu runs with memory storage: a restart loses every topic, message and committed offset, which
is the harshest form of "messages lost". Mechanisms under test: the transactional outbox (the
job and its request commit together; the relay publishes once the broker answers), the
stale-job republisher (an open job unchanged for STALE_JOB_SECONDS gets its request published
again) and the render service's idempotent answer to a repeated request (re-hand out the
unfinished chunks, or re-emit the terminal event).
"""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from tests.faults.allowed_endings import verify_completed
from tests.faults.catalog import make_catalog
from tests.faults.chunks import wait_done_chunks
from tests.faults.polling import poll_terminal
from tests.faults.processes import sigkill
from tests.faults.rig import Rig
from tests.faults.timings import record
from tests.faults.waiting import now, wait_for
from tests.support.api import EXPORTS

pytestmark = pytest.mark.slow


async def outbox_state(rig: Rig, job_id: str) -> list[object]:
    rows = await rig.q("fetch", "SELECT sent_at FROM api.outbox WHERE key = $1 ORDER BY id", job_id)
    return [r["sent_at"] for r in rows]


async def _dead(broker: object) -> bool:
    return not broker.running  # type: ignore[attr-defined]


def republished(rig: Rig, job_id: str) -> int:
    return sum(1 for line in rig.api.log_text().splitlines() if "stopped moving" in line and job_id in line)


async def test_broker_down_at_submit_job_runs_once_it_is_back(rig: Rig) -> None:
    await rig.ensure_renders("render-1", "render-2")
    broker = rig.stack.broker
    assert broker is not None
    tenant = await rig.tenant()
    async with rig.client(tenant) as api:
        catalog = await make_catalog(api, 3000)
        stopping = now()
        await broker.stop()
        down_at = now()
        try:
            posted = now()
            receipt = await api.submit(catalog.body)
            post_s = now() - posted
            assert receipt.status == 202, receipt.body  # the outbox takes it: Kafka is not needed
            job_id = receipt.body["job_id"]
            assert post_s < 2, f"POST waited {post_s:.1f}s for the broker"
            await asyncio.sleep(3)  # a while into the outage: nothing moves, nothing is lost
            assert await outbox_state(rig, job_id) == [None], "request left the outbox while Kafka was down?"
            status = (await api.get(f"{EXPORTS}{job_id}/")).body
            assert status["status"] == "pending", status
        finally:
            await broker.start()
        up_at = now()
        status = await poll_terminal(api, job_id, timeout=120)
        done_at = now()
        await verify_completed(rig, api, tenant, status, catalog)
    sent = await outbox_state(rig, job_id)
    assert sent[0] is not None
    record(
        "3. broker down when the job is submitted",
        outcome="202 at once; completed once the broker was back, artifact verified",
        post_s=post_s,
        broker_stop_s=down_at - stopping,
        outage_s=up_at - down_at,
        recovery_s=done_at - up_at,
        republished=republished(rig, job_id),
        lost="nothing",
    )


async def test_broker_down_and_api_killed_before_relay(rig: Rig) -> None:
    """The request exists only as an outbox row when the API dies: a new API process relays it."""
    await rig.ensure_renders("render-1", "render-2")
    broker = rig.stack.broker
    assert broker is not None
    tenant = await rig.tenant()
    async with rig.client(tenant) as api:
        catalog = await make_catalog(api, 2000)
        await broker.stop()
        down_at = now()
        try:
            receipt = await api.submit(catalog.body)
            assert receipt.status == 202, receipt.body
            job_id = receipt.body["job_id"]
            await sigkill(rig.api)
            assert await outbox_state(rig, job_id) == [None]
            api_s = await rig.start(rig.api)  # boots without Kafka (ready = database answers)
        finally:
            await broker.start()
        up_at = now()
        status = await poll_terminal(api, job_id, timeout=120)
        done_at = now()
        await verify_completed(rig, api, tenant, status, catalog)
    record(
        "3b. broker down at submit and the API SIGKILLed before relaying",
        outcome="restarted API relayed the outbox row; completed, artifact verified",
        api_restart_s=api_s,
        outage_s=up_at - down_at,
        recovery_s=done_at - up_at,
        lost="nothing",
    )


async def test_broker_restart_mid_job_loses_messages_job_still_completes(rig: Rig) -> None:
    await rig.ensure_renders("render-1", "render-2")
    broker = rig.stack.broker
    assert broker is not None
    tenant = await rig.tenant()
    async with rig.client(tenant) as api:
        catalog = await make_catalog(api, 12_000)
        receipt = await api.submit(catalog.body)
        job_id = receipt.body["job_id"]
        done_before = await wait_done_chunks(rig, job_id, 2)
        # A crash, not a stop: Tansu lingers up to its 5 s stop grace after SIGTERM while clients
        # are connected, and the job would simply finish meanwhile.
        down_at = now()
        assert broker.pid is not None
        os.kill(broker.pid, signal.SIGKILL)
        await wait_for(lambda: _dead(broker), timeout=10, what="the broker to die")
        await broker.start()  # memory storage: every topic comes back empty
        up_at = now()
        processed_at_crash = (await api.get(f"{EXPORTS}{job_id}/")).body["processed_items"]
        status = await poll_terminal(api, job_id, timeout=120)
        done_at = now()
        await verify_completed(rig, api, tenant, status, catalog)
    record(
        "4. broker restarted mid-job (memory storage: all messages and offsets lost)",
        outcome="completed, artifact verified",
        chunks_done_before=done_before,
        processed_items_at_restart=processed_at_crash,
        restart_s=up_at - down_at,
        recovery_s=done_at - up_at,
        republished=republished(rig, job_id),
        lost="nothing",
    )


async def crash_and_restart_broker(rig: Rig) -> float:
    broker = rig.stack.broker
    assert broker is not None and broker.pid is not None
    started = now()
    os.kill(broker.pid, signal.SIGKILL)
    await wait_for(lambda: _dead(broker), timeout=10, what="the broker to die")
    await broker.start()
    return now() - started


async def test_broker_restart_loses_unconsumed_request_and_terminal_event(rig: Rig) -> None:
    """Messages that were in the broker only: a request no planner had fetched yet, and a
    `completed` event the API's projection had not consumed. Both jobs still end completed."""
    tenant = await rig.tenant()
    async with rig.client(tenant) as api:
        first = await make_catalog(api, 2000)
        second = await make_catalog(api, 2000)

        # (a) The request is in Kafka only (relayed, marked sent) and nobody has consumed it.
        await rig.ensure_renders()  # no render replica
        receipt = await api.submit(first.body)
        job_a = receipt.body["job_id"]
        await wait_for(lambda: _sent(rig, job_a), timeout=30, what="the request to be relayed")
        restart_a = await crash_and_restart_broker(rig)
        lost_at = now()
        await rig.ensure_renders("render-1", "render-2")
        status = await poll_terminal(api, job_a, timeout=120)
        done_a = now()
        await verify_completed(rig, api, tenant, status, first)

        # (b) The job completes while the API is down; its `completed` event dies with the broker.
        receipt = await api.submit(second.body)
        job_b = receipt.body["job_id"]
        await wait_for(lambda: _sent(rig, job_b), timeout=30, what="the request to be relayed")
        await sigkill(rig.api)
        await wait_for(lambda: _render_status(rig, job_b, "completed"), timeout=60, what="render to finish")
        assert (
            await rig.q("fetchval", "SELECT status FROM api.export_jobs WHERE job_id = $1", job_b)
            != "completed"
        )
        restart_b = await crash_and_restart_broker(rig)
        lost_b_at = now()
        await rig.start(rig.api)
        status = await poll_terminal(api, job_b, timeout=120, tolerate_unavailable=True)
        done_b = now()
        await verify_completed(rig, api, tenant, status, second)
    record(
        "4b. broker restart loses a request nobody had consumed yet",
        outcome="stale-job republish; completed, artifact verified",
        restart_s=restart_a,
        recovery_s=done_a - lost_at,
        republished=republished(rig, job_a),
        lost="nothing",
    )
    record(
        "4c. broker restart loses a completed event (API down meanwhile)",
        outcome="stale-job republish, render re-emitted the terminal event; read model completed",
        restart_s=restart_b,
        recovery_s=done_b - lost_b_at,
        republished=republished(rig, job_b),
        lost="nothing",
    )


async def _sent(rig: Rig, job_id: str) -> bool:
    return any(s is not None for s in await outbox_state(rig, job_id))


async def _render_status(rig: Rig, job_id: str, wanted: str) -> bool:
    return bool(await rig.q("fetchval", "SELECT status FROM render.jobs WHERE job_id = $1", job_id) == wanted)

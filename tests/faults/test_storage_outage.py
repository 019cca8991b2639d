"""The S3 server stops mid-job (scenario 5): back within the storage retry budget → the job
completes; gone for longer → the job fails with a readable error and, once S3 is back, the
watchdog deletes everything the job had written (nothing partial is ever offered).

Mechanisms under test: every storage step (render a chunk, assemble) is retried with backoff for
RENDER_STORAGE_RETRY_BUDGET_SECONDS (15 s here), starting over with deterministic keys and
aborting half-done multipart uploads; past the budget the job fails; a failed job whose objects
could not be deleted is cleaned up by the watchdog (RENDER_WATCHDOG_INTERVAL_SECONDS).
"""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.allowed_endings import verify_completed, verify_failed_clean
from tests.faults.catalog import make_catalog
from tests.faults.chunks import wait_done_chunks
from tests.faults.polling import poll_terminal
from tests.faults.processes import reap_orphans, sigkill
from tests.faults.rig import FAST_ENV, Rig
from tests.faults.timings import record
from tests.faults.waiting import now
from tests.support.api import EXPORTS

pytestmark = pytest.mark.slow

BUDGET = float(FAST_ENV["RENDER_STORAGE_RETRY_BUDGET_SECONDS"])


async def test_short_storage_outage_is_ridden_out(rig: Rig) -> None:
    await rig.ensure_renders("render-1", "render-2")
    s3 = rig.stack.s3_server
    assert s3 is not None
    tenant = await rig.tenant()
    async with rig.client(tenant) as api:
        catalog = await make_catalog(api, 12_000)
        receipt = await api.submit(catalog.body)
        job_id = receipt.body["job_id"]
        await wait_done_chunks(rig, job_id, 2)
        down_at = now()
        try:
            await s3.stop()
            await asyncio.sleep(max(0.0, 5 - (now() - down_at)))  # ~5 s: well inside the 15 s budget
            status = (await api.get(f"{EXPORTS}{job_id}/")).body
            assert status["status"] == "processing", status
        finally:
            await s3.start()
        up_at = now()
        status = await poll_terminal(api, job_id, timeout=120)
        done_at = now()
        await verify_completed(rig, api, tenant, status, catalog)
    record(
        "5a. S3 stopped mid-job, back within the retry budget",
        outcome="completed, artifact verified",
        outage_s=up_at - down_at,
        budget_s=BUDGET,
        recovery_s=done_at - up_at,
        lost="nothing",
    )


async def test_long_storage_outage_fails_cleanly_and_leaves_nothing(rig: Rig) -> None:
    await rig.ensure_renders("render-1", "render-2")
    s3 = rig.stack.s3_server
    assert s3 is not None
    tenant = await rig.tenant()
    async with rig.client(tenant) as api:
        catalog = await make_catalog(api, 12_000)
        receipt = await api.submit(catalog.body)
        job_id = receipt.body["job_id"]
        await wait_done_chunks(rig, job_id, 2)
        assert await rig.s3_keys(rig.job_prefix(tenant, job_id)), "parts should exist before the outage"
        down_at = now()
        try:
            await s3.stop()
            status = await poll_terminal(api, job_id, timeout=BUDGET + 90)
            failed_at = now()
            # The failing worker could not delete the parts: the job is left marked not cleaned.
            assert (
                await rig.q("fetchval", "SELECT cleaned_at FROM render.jobs WHERE job_id = $1", job_id)
                is None
            )
        finally:
            await s3.start()
        up_at = now()
        assert status["status"] == "failed", status
        assert "object storage unavailable" in status["error"], status["error"]
        cleanup_s = await verify_failed_clean(rig, tenant, status, cleanup_within=45)
        assert (
            await rig.q("fetchval", "SELECT cleaned_at FROM render.jobs WHERE job_id = $1", job_id)
            is not None
        )
        # The failure is final: nothing re-opens it now that storage is back.
        await asyncio.sleep(2)
        again = (await api.get(f"{EXPORTS}{job_id}/")).body
        assert again["status"] == "failed" and again["download_url"] is None, again

        # And the system works again.
        fresh = await make_catalog(api, 1500)
        receipt = await api.submit(fresh.body)
        status = await poll_terminal(api, receipt.body["job_id"], timeout=120)
        await verify_completed(rig, api, tenant, status, fresh)
    record(
        "5b. S3 stopped mid-job for longer than the retry budget",
        outcome="failed with a readable error; the job's prefix emptied once S3 was back",
        budget_s=BUDGET,
        fail_after_s=failed_at - down_at,
        outage_s=up_at - down_at,
        cleanup_after_s3_back_s=cleanup_s,
        error=again["error"][:90],
        lost="nothing (job refused cleanly; a fresh job afterwards completed)",
    )


async def test_watchdog_cleans_up_when_no_worker_is_left(rig: Rig) -> None:
    """Storage down past the budget and the replicas die before it returns: nobody is left in a
    retry loop, so only the watchdog of a replica started later can delete the parts."""
    await rig.ensure_renders("render-1", "render-2")
    s3 = rig.stack.s3_server
    assert s3 is not None
    tenant = await rig.tenant()
    async with rig.client(tenant) as api:
        catalog = await make_catalog(api, 6000)
        receipt = await api.submit(catalog.body)
        job_id = receipt.body["job_id"]
        prefix = rig.job_prefix(tenant, job_id)
        await wait_done_chunks(rig, job_id, 2)
        try:
            await s3.stop()
            status = await poll_terminal(api, job_id, timeout=BUDGET + 90)
            for name in ("render-1", "render-2"):
                orphans = await sigkill(rig.render(name))
                await reap_orphans(orphans, within=0)
        finally:
            await s3.start()
        left = await rig.s3_keys(prefix)
        assert left, "the parts written before the outage should still be there"
        await asyncio.sleep(3)
        assert await rig.s3_keys(prefix) == left  # nobody cleans while no replica runs
        start_s = await rig.start(rig.render("render-1"))  # its watchdog sweeps from the start
        cleanup_s = await verify_failed_clean(rig, tenant, status, cleanup_within=30)
    record(
        "5c. S3 down past the budget, then both replicas die; one replica started later",
        outcome=f"failed; the new replica's watchdog deleted the {len(left)} leftover objects",
        replica_start_s=start_s,
        clean_after_ready_s=cleanup_s,
        lost="nothing",
    )

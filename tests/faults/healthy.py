"""The ending of every fault case: another organization's normal job completes, and every
replica's /healthz is ok with each of its loops running (restarts allowed, but back up)."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.faults.allowed_endings import verify_completed
from tests.faults.catalog import make_catalog
from tests.faults.polling import poll_terminal
from tests.faults.processes import alive
from tests.faults.rig import Rig
from tests.faults.waiting import wait_for

API_LOOPS = {"outbox-relay", "projection", "stale-jobs", "key-usage", "gauges"}
RENDER_LOOPS = {"planner", "chunks", "watchdog"}


async def loop_reports(rig: Rig) -> dict[str, dict[str, Any]]:
    """Each running service's loops by name, once every loop runs; fails on a /healthz not ok."""
    reports: dict[str, dict[str, Any]] = {}
    async with aiohttp.ClientSession() as session:
        for proc in [rig.api, *(p for p in rig.renders.values() if alive(p))]:
            async with session.get(f"{proc.url}/healthz") as resp:
                body = await resp.json()
                assert resp.status == 200 and body["status"] == "ok", (proc.name, body)
                reports[proc.name] = body["loops"]
    return reports


async def another_org_completes_and_all_healthy(rig: Rig) -> dict[str, dict[str, Any]]:
    """A fresh organization's 20-label job completes; returns the loop reports (all running)."""
    tenant = await rig.tenant()
    async with rig.client(tenant) as api:
        catalog = await make_catalog(api, 20)
        receipt = await api.submit(catalog.body)
        assert receipt.status == 202, receipt.body
        status = await poll_terminal(api, receipt.body["job_id"], timeout=90)
        await verify_completed(rig, api, tenant, status, catalog)

    async def all_running() -> dict[str, dict[str, Any]] | None:
        reports = await loop_reports(rig)
        running = all(loop["state"] == "running" for r in reports.values() for loop in r.values())
        return reports if running else None

    reports = await wait_for(
        all_running, timeout=60, what="every loop of every replica running", interval=0.5
    )
    assert set(reports[rig.api.name]) == API_LOOPS, reports
    for name, loops in reports.items():
        if name != rig.api.name:
            assert set(loops) == RENDER_LOOPS, (name, reports)
    return reports

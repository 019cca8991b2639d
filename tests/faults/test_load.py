"""A bounded load run (scenario 11): 200 small jobs submitted concurrently by 20 clients while 50
clients poll. Every job completes with a correct artifact; no answer is a 5xx; no request times out.

Small jobs (10 items) render inline in the planner, so this measures the request path: submit
(job + outbox row in one transaction, NOTIFY), relay, planner, render, S3, events, projection,
polls (auth + rate-limit counters on one key, read model, presigning).
"""

from __future__ import annotations

import asyncio
import random
import statistics

import pytest

from tests.faults.allowed_endings import verify_completed
from tests.faults.catalog import Catalog, make_catalog
from tests.faults.rig import Rig
from tests.faults.timings import record
from tests.faults.waiting import now
from tests.support.api import EXPORTS

pytestmark = pytest.mark.slow

SUBMITTERS, JOBS_EACH, POLLERS, ITEMS = 20, 10, 50, 10
CLIENT_TIMEOUT = 30


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values[0] if values else 0.0)


async def test_200_jobs_from_20_clients_while_50_poll(rig: Rig) -> None:
    await rig.ensure_renders("render-1", "render-2")
    tenant = await rig.tenant()  # rate limits raised for this key (1,000,000/min)
    async with rig.client(tenant) as api:
        catalogs = [await make_catalog(api, ITEMS) for _ in range(SUBMITTERS)]

    jobs: dict[str, Catalog] = {}
    submit_latency: list[float] = []
    poll_latency: list[float] = []
    codes: dict[str, dict[int, int]] = {"submit": {}, "poll": {}}
    all_submitted = asyncio.Event()
    finished: set[str] = set()

    def count(kind: str, status: int) -> None:
        codes[kind][status] = codes[kind].get(status, 0) + 1

    async def submitter(catalog: Catalog) -> None:
        async with rig.client(tenant, timeout=CLIENT_TIMEOUT) as client:
            for _ in range(JOBS_EACH):
                started = now()
                answer = await client.submit(catalog.body)
                submit_latency.append(now() - started)
                count("submit", answer.status)
                assert answer.status == 202, (answer.status, answer.body)
                jobs[answer.body["job_id"]] = catalog

    async def poller(seed: int) -> None:
        pick = random.Random(seed)
        async with rig.client(tenant, timeout=CLIENT_TIMEOUT) as client:
            while not (all_submitted.is_set() and len(finished) == len(jobs)):
                open_jobs = [j for j in jobs if j not in finished]
                if not open_jobs:
                    await asyncio.sleep(0.05)
                    continue
                job_id = pick.choice(open_jobs)
                started = now()
                answer = await client.get(f"{EXPORTS}{job_id}/")
                poll_latency.append(now() - started)
                count("poll", answer.status)
                assert answer.status == 200, (answer.status, answer.body)
                if answer.body["status"] in ("completed", "failed"):
                    finished.add(job_id)
                await asyncio.sleep(0.05)

    started = now()
    pollers = [asyncio.create_task(poller(n)) for n in range(POLLERS)]
    try:
        await asyncio.gather(*(submitter(c) for c in catalogs))
        submitted_s = now() - started
        all_submitted.set()
        await asyncio.wait_for(asyncio.gather(*pollers), timeout=240)
    finally:
        for task in pollers:
            task.cancel()
        await asyncio.gather(*pollers, return_exceptions=True)
    all_done_s = now() - started
    assert len(jobs) == SUBMITTERS * JOBS_EACH

    statuses = {}
    async with rig.client(tenant) as api:
        for job_id in jobs:
            statuses[job_id] = (await api.get(f"{EXPORTS}{job_id}/")).body
        assert all(s["status"] == "completed" for s in statuses.values()), [
            s for s in statuses.values() if s["status"] != "completed"
        ][:3]
        for n, (job_id, catalog) in enumerate(jobs.items()):
            await verify_completed(rig, api, tenant, statuses[job_id], catalog, sample=ITEMS if n < 10 else 1)
    five_xx = {k: {c: n for c, n in v.items() if c >= 500} for k, v in codes.items()}
    assert five_xx == {"submit": {}, "poll": {}}
    record(
        "11. load: 200 jobs (10 items) from 20 clients while 50 clients poll",
        outcome="all 200 completed, artifacts verified, no 5xx, no timeouts",
        submit_phase_s=submitted_s,
        all_completed_s=all_done_s,
        jobs_per_s=len(jobs) / all_done_s,
        submit_p50_s=pct(submit_latency, 50),
        submit_p95_s=pct(submit_latency, 95),
        submit_max_s=max(submit_latency),
        polls=len(poll_latency),
        poll_p50_s=pct(poll_latency, 50),
        poll_p95_s=pct(poll_latency, 95),
        poll_max_s=max(poll_latency),
        codes=codes,
        lost="nothing",
    )

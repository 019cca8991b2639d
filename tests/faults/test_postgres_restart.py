"""PostgreSQL restarts while jobs render and clients poll and submit (scenario 6).

The machine's cluster is restarted (`pg_ctlcluster ... restart`): every connection of every
service is cut, new ones are refused for a moment. Clients must get either an answer or the error
envelope with 503 + Retry-After — never a hang (every request has a client timeout), never a
500, never a dropped connection — and every job (running ones and those accepted during the
restart) must complete afterwards. No valid message may end in the DLQ because of the restart.
`postgres_guard` makes sure the cluster runs again when the test ends, whatever happened.
"""

from __future__ import annotations

import asyncio
import random

import pytest

from tests.faults.allowed_endings import verify_completed
from tests.faults.catalog import make_catalog
from tests.faults.chunks import wait_done_chunks
from tests.faults.healthy import another_org_completes_and_all_healthy
from tests.faults.polling import PollLog, check_unavailable_envelope, poll_terminal
from tests.faults.postgres_server import pg_ctl, postgres_answers
from tests.faults.rig import Rig
from tests.faults.timings import record
from tests.faults.waiting import now, wait_for
from tests.support.api import EXPORTS

pytestmark = pytest.mark.slow

CLIENT_TIMEOUT = 10  # seconds: a request taking longer than this counts as a hang


async def test_postgres_restart_while_jobs_run_and_clients_poll(rig: Rig, postgres_guard: None) -> None:
    await rig.ensure_renders("render-1", "render-2")
    tenant = await rig.tenant()
    async with rig.client(tenant, timeout=CLIENT_TIMEOUT) as api:
        big = [await make_catalog(api, 8000) for _ in range(3)]
        small = await make_catalog(api, 300)
        jobs: dict[str, object] = {}
        for catalog in big:
            receipt = await api.submit(catalog.body)
            assert receipt.status == 202
            jobs[receipt.body["job_id"]] = catalog
        await wait_done_chunks(rig, next(iter(jobs)), 1)

        log = PollLog()
        stop = asyncio.Event()
        submit_codes: dict[int, int] = {}

        async def poller() -> None:
            ids = list(jobs)
            while not stop.is_set():
                job_id = random.choice(ids)
                started = now()
                answer = await api.get(f"{EXPORTS}{job_id}/")  # a timeout or a reset fails the test
                log.add(answer.status, now() - started)
                if answer.status == 503:
                    check_unavailable_envelope(answer)
                else:
                    assert answer.status == 200, (answer.status, answer.body)
                await asyncio.sleep(0.05)

        async def submitter() -> None:
            while not stop.is_set():
                answer = await api.submit(small.body)
                submit_codes[answer.status] = submit_codes.get(answer.status, 0) + 1
                if answer.status == 202:
                    jobs[answer.body["job_id"]] = small  # accepted: it must complete
                else:
                    assert answer.status == 503, (answer.status, answer.body)
                    check_unavailable_envelope(answer)
                await asyncio.sleep(0.3)

        clients = [asyncio.create_task(poller()) for _ in range(20)] + [asyncio.create_task(submitter())]
        try:
            await asyncio.sleep(1)
            restart_at = now()
            result = await pg_ctl("restart")
            assert result.returncode == 0, result.stdout + result.stderr
            await wait_for(
                lambda: postgres_answers(rig.stack.endpoints.database_url),
                timeout=60,
                what="PostgreSQL back",
                interval=0.1,
            )
            back_at = now()
            await asyncio.sleep(3)  # clients keep going after the restart
        finally:
            stop.set()
            results = await asyncio.gather(*clients, return_exceptions=True)
        for outcome in results:
            if isinstance(outcome, BaseException):
                raise outcome

        statuses = {}
        for job_id in list(jobs):
            statuses[job_id] = await poll_terminal(api, job_id, timeout=180, tolerate_unavailable=True)
        done_at = now()
        for job_id, status in statuses.items():
            await verify_completed(rig, api, tenant, status, jobs[job_id], sample=5)  # type: ignore[arg-type]

    dlq = await rig.read_topic("label-export.dlq", idle=1.0, first_wait=2.0)
    reasons = [dict(r.headers).get("dlq-reason", b"").decode() for r in dlq]
    assert not dlq, f"valid messages dead-lettered during the restart: {reasons}"
    assert 500 not in log.codes and 500 not in submit_codes
    # Every loop of every service survived the restart (or was restarted): the relay, the
    # projection, the sweeps, the planners and chunk workers, the watchdogs.
    reports = await another_org_completes_and_all_healthy(rig)
    restarts = {
        f"{svc}/{name}": loop["restarts"] for svc, loops in reports.items() for name, loop in loops.items()
    }
    accepted_during = submit_codes.get(202, 0)
    record(
        "6. PostgreSQL restarted while 3 jobs render, 20 clients poll and one submits",
        outcome=f"all {len(jobs)} jobs completed ({accepted_during} submitted during the run), "
        "artifacts verified; no 500, no timeout",
        pg_restart_s=back_at - restart_at,
        poll_codes=dict(sorted(log.codes.items())),
        submit_codes=dict(sorted(submit_codes.items())),
        max_poll_latency_s=log.max_latency,
        all_done_after_pg_back_s=done_at - back_at,
        dlq_entries=len(dlq),
        loop_restarts={k: v for k, v in restarts.items() if v},
        lost="nothing",
    )

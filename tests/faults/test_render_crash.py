"""Render replicas dying mid-job (scenarios 1, 2), stalling past their lease (2b) and stopped
gracefully mid-chunk (scenario 10).

Mechanisms under test: chunk tasks are committed only after their chunk is durable, so a dead
replica's tasks are re-delivered to the survivors after a rebalance; the chunk it was rendering
is taken over when its lease (RENDER_CHUNK_LEASE_SECONDS) runs out; deterministic part keys make
the re-render overwrite instead of duplicate. SIGTERM stops taking work, lets the chunk in hand
finish (or hands it back uncommitted), commits, leaves the group and exits 0.
"""

from __future__ import annotations

import signal

import pytest

from devtools.services import ServiceProcess
from tests.faults.allowed_endings import verify_completed
from tests.faults.catalog import make_catalog
from tests.faults.chunks import chunk_leased_by, wait_chunk_in_hand, wait_done_chunks
from tests.faults.polling import poll_terminal
from tests.faults.processes import alive, reap_orphans, replica_processes, sigkill, signal_all
from tests.faults.rig import Rig
from tests.faults.timings import record
from tests.faults.waiting import now, wait_for

pytestmark = pytest.mark.slow

ITEMS = 12_000  # 12 chunks of 1,000: several seconds of work for two one-process replicas


async def _none_left(proc: ServiceProcess) -> bool:
    return not replica_processes(proc)


async def chunk_row(rig: Rig, job_id: str, index: int) -> dict[str, object]:
    row = await rig.q(
        "fetchrow",
        "SELECT status, rendered_by FROM render.chunks WHERE job_id = $1 AND chunk_index = $2",
        job_id,
        index,
    )
    return dict(row)


async def test_replica_sigkilled_mid_job_other_replica_finishes(rig: Rig) -> None:
    victim, survivor = await rig.ensure_renders("render-1", "render-2")
    tenant = await rig.tenant()
    async with rig.client(tenant) as api:
        catalog = await make_catalog(api, ITEMS)
        receipt = await api.submit(catalog.body)
        assert receipt.status == 202, receipt.body
        job_id = receipt.body["job_id"]
        submitted = now()

        await wait_done_chunks(rig, job_id, 2)  # well into the job ...
        chunk = await wait_chunk_in_hand(rig, job_id, victim.name)  # ... and the victim mid-chunk
        killed_at = now()
        pool_pids = await sigkill(victim)
        in_hand = await chunk_row(rig, job_id, chunk)

        status = await poll_terminal(api, job_id, timeout=120)
        done_at = now()
        await verify_completed(rig, api, tenant, status, catalog)

    after = await chunk_row(rig, job_id, chunk)
    if in_hand["status"] == "pending":  # the kill interrupted it: the survivor re-rendered it
        assert after["rendered_by"] == survivor.name, after
    by = await rig.q(
        "fetch", "SELECT rendered_by, count(*) AS n FROM render.chunks WHERE job_id = $1 GROUP BY 1", job_id
    )
    # Known, left alone (see docs/reliability.md): a SIGKILLed replica's forkserver and pool
    # workers do not notice their parent's death; in a container the runtime kills them with it.
    orphans = await reap_orphans(pool_pids)
    record(
        "1. one of two render replicas SIGKILLed mid-chunk",
        outcome="completed, artifact verified",
        recovery_s=done_at - killed_at,
        job_s=done_at - submitted,
        chunks_by={r["rendered_by"]: r["n"] for r in by},
        chunk_in_hand_was=in_hand["status"],
        pool_processes_left_behind=len(orphans),
        lost="nothing",
    )


async def test_only_replica_sigkilled_and_restarted(rig: Rig) -> None:
    (replica,) = await rig.ensure_renders("render-2")
    tenant = await rig.tenant()
    async with rig.client(tenant) as api:
        catalog = await make_catalog(api, ITEMS)
        receipt = await api.submit(catalog.body)
        job_id = receipt.body["job_id"]
        submitted = now()

        await wait_chunk_in_hand(rig, job_id, replica.name)
        killed_at = now()
        pool_pids = await sigkill(replica)
        # Same name (like a restarted pod), new process: it must not inherit the dead one's leases.
        await rig.start(replica)
        restarted_at = now()

        status = await poll_terminal(api, job_id, timeout=120)
        done_at = now()
        await verify_completed(rig, api, tenant, status, catalog)
    orphans = await reap_orphans(pool_pids)
    record(
        "2. the only render replica SIGKILLed mid-chunk, then restarted",
        outcome="completed, artifact verified",
        restart_s=restarted_at - killed_at,
        recovery_s=done_at - killed_at,
        job_s=done_at - submitted,
        pool_processes_left_behind=len(orphans),
        lost="nothing",
    )


async def test_sigterm_mid_chunk_exits_cleanly_and_job_completes(rig: Rig) -> None:
    leaving, staying = await rig.ensure_renders("render-1", "render-2")
    tenant = await rig.tenant()
    async with rig.client(tenant) as api:
        catalog = await make_catalog(api, ITEMS)
        receipt = await api.submit(catalog.body)
        job_id = receipt.body["job_id"]

        chunk = await wait_chunk_in_hand(rig, job_id, leaving.name)
        log_before = len(leaving.log_text())
        term_at = now()
        code = await leaving.stop(signal.SIGTERM, grace=60)  # render's terminationGracePeriodSeconds
        exit_s = now() - term_at
        in_hand = await chunk_row(rig, job_id, chunk)

        status = await poll_terminal(api, job_id, timeout=120)
        done_at = now()
        await verify_completed(rig, api, tenant, status, catalog)

    assert code == 0, f"exit code {code}:\n{leaving.log_tail()}"
    assert not alive(leaving)
    # A graceful exit takes its process pool, forkserver and resource tracker along.
    await wait_for(lambda: _none_left(leaving), timeout=10, what="the replica's pool processes to exit")
    # The service waits at most session timeout + 25 s for a chunk; a 1,000-item chunk is far less.
    assert exit_s < 28, exit_s
    shutdown_log = leaving.log_text()[log_before:]
    assert "LeaveGroup request failed" not in shutdown_log
    assert '"level": "ERROR"' not in shutdown_log.replace('"level":"ERROR"', '"level": "ERROR"'), (
        shutdown_log[-3000:]
    )
    # The chunk in hand was finished by the leaving replica, or handed back and done by the other.
    after = await chunk_row(rig, job_id, chunk)
    assert after["status"] == "done" and after["rendered_by"] in (leaving.name, staying.name), after
    record(
        "10. SIGTERM to a render replica mid-chunk",
        outcome=f"exit code {code}, job completed, artifact verified",
        exit_s=exit_s,
        chunk_in_hand=f"{'finished by the leaving replica' if in_hand['status'] == 'done' else 'handed back'}"
        f" (rendered by {after['rendered_by']})",
        recovery_s=done_at - term_at,
        lost="nothing",
    )


async def test_frozen_replica_resumes_after_its_chunk_was_taken_over(rig: Rig) -> None:
    """A replica stalls past its chunk lease (SIGSTOP: a long GC pause, a throttled pod), the other
    replica takes the chunk over and the job completes; then the stalled one wakes up mid-chunk.
    It must notice the job is finished and leave the artifact alone — it used to treat the job as
    stopped and delete every object of it, the finished artifact included."""
    victim, survivor = await rig.ensure_renders("render-1", "render-2")
    tenant = await rig.tenant()
    async with rig.client(tenant) as api:
        catalog = await make_catalog(api, ITEMS)
        receipt = await api.submit(catalog.body)
        job_id = receipt.body["job_id"]

        frozen: list[int] = []
        chunk = None
        for _ in range(40):  # freeze it while it holds a live lease on an unfinished chunk
            await wait_chunk_in_hand(rig, job_id, victim.name)
            frozen = replica_processes(victim)
            signal_all(frozen, signal.SIGSTOP)
            chunk = await chunk_leased_by(rig, job_id, victim.name)
            if chunk is not None:
                break
            signal_all(frozen, signal.SIGCONT)
        assert chunk is not None, "the victim never held a chunk at the moment it was frozen"
        frozen_at = now()
        try:
            status = await poll_terminal(api, job_id, timeout=120)
            completed_s = now() - frozen_at
        finally:
            signal_all(frozen, signal.SIGCONT)
        assert status["status"] == "completed", status
        assert (await chunk_row(rig, job_id, chunk))["rendered_by"] == survivor.name

        # The woken replica finds its chunk done and the job completed, and says so.
        await wait_for(
            lambda: _said_stopped(victim, job_id), timeout=30, what="the woken replica to give up its chunk"
        )
        await verify_completed(rig, api, tenant, status, catalog)
    assert alive(victim), victim.log_tail()
    record(
        "2b. a render replica frozen past its chunk lease, woken after the job completed",
        outcome="completed; artifact intact and verified; the woken replica gave its chunk up",
        takeover_and_completion_s=completed_s,
        lost="nothing",
    )


async def _said_stopped(proc: ServiceProcess, job_id: str) -> bool:
    return any(
        "stopped: job is completed" in line and job_id in line for line in proc.log_text().splitlines()
    )

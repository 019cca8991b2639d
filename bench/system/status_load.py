"""Status throughput: GET of a completed and of a pending job's status under load."""

from __future__ import annotations

import contextlib
import statistics
from typing import Any

from api_service.adapters import jobs_repo as api_jobs_repo
from bench import loadgen, pyspy
from bench.procstats import TreeSampler
from bench.system.constants import EXPORTS
from bench.system.context import Context
from bench.system.cpu_accounting import unattributed_cpu_percent
from labelkit.ids import new_job_id


async def status_throughput(ctx: Context, completed_job: str) -> dict[str, Any]:
    # A pending job no render service sees: its row only, no outbox entry. The API's stale-job
    # sweeper re-publishes an open job unchanged for STALE_JOB_SECONDS (60): the row is touched
    # before each run so it stays fresh, it selects one 10-serial lot so a re-publish would cost
    # nothing, and it is deleted afterwards.
    pending_job = new_job_id()
    async with ctx.db.acquire() as conn:
        await api_jobs_repo.insert_job(
            conn,
            job_id=pending_job,
            organization_id=ctx.catalog.organization_id,
            request={
                "scope": "serials",
                "export_type": "datamatrix",
                "file_format": "png",
                "filters": {"lot_ids": [str(ctx.catalog.small_lots[-1])]},
            },
            source="bench",
        )
    try:
        return await status_runs(ctx, {"completed": completed_job, "pending": pending_job})
    finally:
        await ctx.db.execute("DELETE FROM api.export_jobs WHERE job_id = $1", pending_job)


async def status_runs(ctx: Context, jobs: dict[str, str]) -> dict[str, Any]:
    for state, job in jobs.items():
        status = await ctx.api.status(job)
        assert status["status"] == state, status
        if state == "completed":
            assert status["download_url"], status
    runs: dict[str, list[dict[str, Any]]] = {state: [] for state in jobs}
    # Rounds alternate the two states, so slow drift in the machine's other load hits both alike.
    for round_number in range(ctx.opts.status_repeats):
        for state, job in jobs.items():
            url = f"{ctx.api.base_url}{EXPORTS}{job}/"
            if state == "pending":
                await ctx.db.execute("UPDATE api.export_jobs SET updated_at = now() WHERE job_id = $1", job)
            print(
                f"  status GET ({state}, run {round_number + 1}/{ctx.opts.status_repeats}) "
                f"{ctx.opts.status_seconds:.0f} s ...",
                end="",
                flush=True,
            )
            recording = None
            if ctx.opts.py_spy and round_number == 0:
                with contextlib.suppress(RuntimeError):
                    recording = pyspy.Recording(
                        ctx.api_proc.pid or 0, ctx.profiles / f"api-status-{state}.txt"
                    )
            roots = {"api": ctx.api_proc.pid or 0} | ctx.infra_roots()
            with TreeSampler(roots, interval=0.5) as sampler:
                result = await loadgen.get_load(
                    url,
                    ctx.catalog.api_key,
                    seconds=ctx.opts.status_seconds,
                    connections=ctx.opts.status_connections,
                    tool=ctx.opts.status_tool,
                )
            usage = sampler.summary()
            result["api_cpu_percent"] = round(100 * usage["api"]["cpu_seconds"] / sampler.wall, 1)
            result["postgres_cpu_percent"] = round(
                100 * sum(v["cpu_seconds"] for k, v in usage.items() if "postgres" in k) / sampler.wall, 1
            )
            result["system_cpu_busy_percent"] = round(100 * sampler.system_busy_fraction, 1)
            result["unattributed_cpu_percent"] = unattributed_cpu_percent(
                sampler, extra_cpu=result.get("loadgen_cpu_seconds", 0.0)
            )
            result["processes"] = usage
            if recording is not None:
                recording.stop()
                if recording.out.exists():
                    result["profile"] = pyspy.summarize(recording.out)
            runs[state].append(result)
            print(
                f" {result['ok_requests_per_s']:,.0f} req/s, p50 {result['p50_ms']} ms,"
                f" p99 {result['p99_ms']} ms,"
                f" {result['errors']} errors, API CPU {result['api_cpu_percent']}%,"
                f" other load {result['unattributed_cpu_percent']}%",
                flush=True,
            )
    out: dict[str, Any] = {}
    for state, results in runs.items():
        out[state] = {
            "tool": results[0]["tool"],
            "runs": len(results),
            "seconds_per_run": ctx.opts.status_seconds,
            # Median over the runs of each figure (one run: that run).
            **{
                key: round(statistics.median(r[key] for r in results), 2)
                for key in (
                    "ok_requests_per_s",
                    "p50_ms",
                    "p90_ms",
                    "p99_ms",
                    "max_ms",
                    "api_cpu_percent",
                    "postgres_cpu_percent",
                    "system_cpu_busy_percent",
                    "unattributed_cpu_percent",
                )
            },
            "errors": sum(r["errors"] for r in results),
            "each_run": results,
        }
    return out

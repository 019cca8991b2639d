"""Small-job latency: sequential small jobs, polled every 100 ms."""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.system.api_client import Api
from bench.system.context import Context, small_body


async def small_job_latency(ctx: Context) -> dict[str, Any]:
    print(f"  small jobs: {ctx.opts.small_jobs} x {ctx.opts.small_items} items ...", end="", flush=True)
    result = await run_small_jobs(ctx, ctx.api, ctx.opts.small_jobs, lambda k: small_body(ctx, k + 1))
    print(f" p50 {result['p50_s'] * 1000:.0f} ms, p95 {result['p95_s'] * 1000:.0f} ms", flush=True)
    return result


async def run_small_jobs(
    ctx: Context,
    api: Api,
    count: int,
    body: Callable[[int], dict[str, Any]],
    *,
    after_each: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """`count` jobs one after the other, each POST then GET every 100 ms until `completed`;
    latencies (nearest-rank p50/p95) and the median stages. `after_each` is awaited after each job."""
    latencies = []
    stages: list[dict[str, Any]] = []
    retries_before = api.retries
    for k in range(count):
        submitted = time.time()
        t0 = time.perf_counter()
        job_id = await api.submit(body(k))
        final, seen = await api.wait(job_id, poll=0.1, timeout=60)
        if final["status"] != "completed":
            raise RuntimeError(f"small job {job_id} ended {final['status']}: {final}")
        latencies.append(seen - t0)
        if after_each is not None:
            await after_each()
        row = await ctx.db.fetchrow(
            """SELECT a.created_at, r.planned_at, r.finished_at FROM api.export_jobs a
                 JOIN render.jobs r USING (job_id) WHERE job_id = $1""",
            job_id,
        )
        stages.append(
            {
                "queue": row["planned_at"].timestamp() - row["created_at"].timestamp(),
                "render": row["finished_at"].timestamp() - row["planned_at"].timestamp(),
                "report": submitted + (seen - t0) - row["finished_at"].timestamp(),
            }
        )
        await asyncio.sleep(0.2)  # not back to back: a client, not a batch
    ordered = sorted(latencies)
    return {
        "jobs": len(latencies),
        "items_per_job": ctx.opts.small_items,
        "p50_s": round(percentile(ordered, 50), 3),
        "p95_s": round(percentile(ordered, 95), 3),
        "max_s": round(ordered[-1], 3),
        "mean_s": round(statistics.fmean(latencies), 3),
        "median_stage_s": {k: round(statistics.median(s[k] for s in stages), 3) for k in stages[0]},
        "http_retries": api.retries - retries_before,
        "last_completed_job": job_id,
    }


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]

"""Fairness: organization B's small-job latency while organization A's big job renders.

A (the benchmark's main organization) submits one DataMatrix PNG job of `--fairness-size` items;
once it renders, B (a second organization with its own key) runs `--fairness-jobs` sequential
10-item jobs, exactly like the small-job latency measurement. Every B job must finish while A's
job is still open, or the figure would not be "under load": the result says how many did.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.system.api_client import Api
from bench.system.context import Context, big_body
from bench.system.small_jobs import run_small_jobs


async def fairness(ctx: Context) -> dict[str, Any]:
    opts, other = ctx.opts, ctx.catalog.other
    assert other is not None, "the fairness case needs the second organization seeded"
    jobs, items, size = opts.fairness_jobs, opts.small_items, opts.fairness_size
    print(f"  fairness: B {jobs} x {items} items while A renders {size:,} ...", end="", flush=True)
    t0 = time.perf_counter()
    giant = await ctx.api.submit(big_body(ctx, "png", opts.fairness_size))
    while True:  # until A renders
        if (await ctx.api.status(giant))["processed_items"]:
            break
        await asyncio.sleep(0.05)
    rendering_after = time.perf_counter() - t0
    while_open = 0

    async def count_if_a_still_open() -> None:
        nonlocal while_open
        while_open += (await ctx.api.status(giant))["status"] in ("pending", "processing")

    b_api = Api(ctx.api_proc.url, other.api_key)
    try:
        lots = other.small_lots
        result = await run_small_jobs(
            ctx,
            b_api,
            opts.fairness_jobs,
            lambda k: {
                "scope": "serials",
                "export_type": "datamatrix",
                "file_format": "png",
                "filters": {"lot_ids": [str(lots[k % len(lots)])]},
            },
            after_each=count_if_a_still_open,
        )
    finally:
        await b_api.close()
    final, seen = await ctx.api.wait(
        giant, poll=0.25, timeout=ctx.opts.job_timeout or 120 + opts.fairness_size / 400
    )
    if final["status"] != "completed":
        raise RuntimeError(f"A's job {giant} ended {final['status']}: {final}")
    result.update(
        {
            "a_items": opts.fairness_size,
            "a_wall_s": round(seen - t0, 2),
            "a_rendering_after_s": round(rendering_after, 2),
            "b_jobs_done_while_a_open": while_open,
        }
    )
    print(
        f" B p50 {result['p50_s'] * 1000:.0f} ms, p95 {result['p95_s'] * 1000:.0f} ms;"
        f" A {result['a_wall_s']:.1f} s; {while_open}/{result['jobs']} while A ran",
        flush=True,
    )
    return result

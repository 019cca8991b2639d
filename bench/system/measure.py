"""Every measurement, for every replica configuration."""

from __future__ import annotations

from typing import Any

from bench.system.constants import REPEAT_UP_TO
from bench.system.context import Context
from bench.system.fairness import fairness
from bench.system.large_jobs import large_job, median_run
from bench.system.provenance import git_state
from bench.system.services import start_replicas, stop_all
from bench.system.small_jobs import small_job_latency
from bench.system.status_load import status_throughput


async def measure_all(ctx: Context) -> None:
    opts = ctx.opts
    jobs: list[dict[str, Any]] = []
    ctx.results["large_jobs"] = jobs
    largest = max(opts.sizes) if opts.sizes else None
    plan = [(cfg, False) for cfg in opts.configs] + [(cfg, True) for cfg in opts.reference]
    first_two = next((c for c in opts.configs if c.replicas == 2), opts.configs[0] if opts.configs else None)
    for cfg, reference_only in plan:
        print(f"{cfg.label}{' (reference: smallest sizes only)' if reference_only else ''}", flush=True)
        # The replicas load the code now: record which tree they run (others commit meanwhile).
        ctx.results.setdefault("git_at_config_start", {})[cfg.key] = git_state()
        replicas = await start_replicas(ctx, cfg)
        try:
            sizes = opts.sizes[:1] if reference_only else opts.sizes
            pdf_sizes = opts.pdf_sizes[:1] if reference_only else opts.pdf_sizes
            # ZPL jobs in the main configurations only (the reference ones compare PNG at equal CPU).
            zpl_sizes = [] if reference_only else opts.zpl_sizes
            jobs_here = [("png", n) for n in sizes] + [("pdf", n) for n in pdf_sizes]
            for kind, n in jobs_here + [("zpl", n) for n in zpl_sizes]:
                profile = opts.py_spy and kind == "png" and n == largest and not reference_only
                runs = [
                    await large_job(ctx, cfg, replicas, kind, n, profile=profile and i == 0)
                    for i in range(opts.job_repeats if n <= REPEAT_UP_TO else 1)
                ]
                jobs.append(median_run(runs))
            if cfg == first_two and not reference_only:
                small = await small_job_latency(ctx)
                ctx.results["small_jobs"] = small
                ctx.results["status"] = await status_throughput(ctx, small["last_completed_job"])
                if opts.fairness_size:
                    ctx.results["fairness"] = await fairness(ctx)
        finally:
            await stop_all(replicas)
    # Sanity: in a two-replica config every replica should have rendered chunks of multi-chunk jobs.
    for job in jobs:
        st = job["stages"]
        if (
            job["replicas"] > 1
            and st["chunks"] >= job["replicas"]
            and len(st["chunks_by_replica"]) < job["replicas"]
        ):
            ctx.notes.append(
                f"{job['config']} {job['kind']} {job['items']}: chunks rendered by "
                f"{st['chunks_by_replica']} only"
            )

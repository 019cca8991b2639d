"""Large jobs: POST -> completed, with a stage breakdown, process-tree usage and profiles."""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from typing import Any

from bench import pyspy
from bench.procstats import TreeSampler
from bench.system.constants import MB
from bench.system.context import BIG_EXPORTS, Context, big_body
from bench.system.cpu_accounting import unattributed_cpu_percent
from bench.system.options import ReplicaConfig
from devtools.services import ServiceProcess


async def large_job(
    ctx: Context, cfg: ReplicaConfig, replicas: list[ServiceProcess], kind: str, n: int, *, profile: bool
) -> dict[str, Any]:
    roots = {r.name: r.pid for r in replicas if r.pid} | {"api": ctx.api_proc.pid or 0} | ctx.infra_roots()
    recordings = []
    if profile:
        for r in replicas:
            with contextlib.suppress(RuntimeError):
                recordings.append(
                    pyspy.Recording(r.pid or 0, ctx.profiles / f"{r.name}-{kind}-{n}.txt", subprocesses=True)
                )
    timeout = ctx.opts.job_timeout or 120 + n / 400
    print(f"  {cfg.label}: {kind} {n:,} ...", end="", flush=True)
    retries_before = ctx.api.retries
    with TreeSampler(roots, interval=0.2) as sampler:
        wall_start = time.time()
        t0 = time.perf_counter()
        job_id = await ctx.api.submit(big_body(ctx, kind, n))
        final, seen = await ctx.api.wait(job_id, poll=0.25, timeout=timeout)
        wall = seen - t0
    for rec in recordings:
        rec.stop()
    if final["status"] != "completed" or final["total_items"] != n:
        raise RuntimeError(f"job {job_id} ended {final['status']} with {final['total_items']} items: {final}")
    usage = sampler.summary()
    stages = await stage_breakdown(ctx, job_id, replicas, wall_start, wall_start + wall)
    result = {
        "config": cfg.key,
        "replicas": cfg.replicas,
        "pool_size": cfg.pool,
        "kind": kind,
        "export": BIG_EXPORTS[kind][2],
        "items": n,
        "job_id": job_id,
        "wall_seconds": round(wall, 2),
        "items_per_second": round(n / wall, 1),
        "file_size_mb": round(final["file_size_bytes"] / MB, 1),
        "stages": stages,
        "system_cpu_busy_percent": round(100 * sampler.system_busy_fraction, 1),
        "unattributed_cpu_percent": unattributed_cpu_percent(sampler),
        # > 0: the API answered 5xx or dropped connections meanwhile; the timing is disturbed.
        "http_retries": ctx.api.retries - retries_before,
        "processes": usage,
        "replica_peak_rss_mb": {r.name: usage[r.name]["peak_rss_mb"] for r in replicas},
        "replica_peak_pss_mb": {r.name: usage[r.name]["peak_pss_mb"] for r in replicas},
    }
    if recordings:
        result["profiles"] = {
            rec.out.name: pyspy.summarize(rec.out) for rec in recordings if rec.out.exists()
        }
    print(
        f" {wall:7.1f} s, {n / wall:8,.0f} items/s, peak RSS "
        + ", ".join(f"{v:.0f}" for v in result["replica_peak_rss_mb"].values())
        + " MB",
        flush=True,
    )
    return result


async def stage_breakdown(
    ctx: Context, job_id: str, replicas: list[ServiceProcess], submitted: float, seen: float
) -> dict[str, Any]:
    """Where the wall time went, from the database timestamps and the replicas' log lines."""
    row = await ctx.db.fetchrow(
        """SELECT a.created_at, r.planned_at, r.finished_at, r.chunk_count,
                  (SELECT max(updated_at) FROM render.chunks c WHERE c.job_id = r.job_id) AS last_chunk_done
             FROM api.export_jobs a JOIN render.jobs r USING (job_id) WHERE job_id = $1""",
        job_id,
    )
    by_replica: dict[str, int] = {}
    for rec in await ctx.db.fetch(
        "SELECT rendered_by, count(*) AS n FROM render.chunks WHERE job_id = $1 GROUP BY 1", job_id
    ):
        by_replica[str(rec["rendered_by"])] = rec["n"]
    chunk_seconds: dict[int, float] = {}
    assembly = 0.0
    for r in replicas:
        for line in r.log_text().splitlines():
            if job_id not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            message = str(entry.get("message", ""))
            if message.startswith("chunk rendered by"):
                chunk_seconds[int(entry.get("chunk", -1))] = float(
                    message.rsplit(" in ", 1)[1].split("s,", 1)[0]
                )
            elif message.startswith("assembled"):
                assembly = float(message.split(" in ", 1)[1].split("s,", 1)[0])
    done = await ctx.db.fetch("SELECT chunk_index, updated_at FROM render.chunks WHERE job_id = $1", job_id)
    # A chunk started about its logged render time before it was marked done.
    chunk_starts = [
        d["updated_at"].timestamp() - chunk_seconds[d["chunk_index"]]
        for d in done
        if d["chunk_index"] in chunk_seconds
    ]
    created = row["created_at"].timestamp()
    planned = row["planned_at"].timestamp()
    finished = row["finished_at"].timestamp()
    last_done = row["last_chunk_done"].timestamp()
    first_start = min(chunk_starts) if chunk_starts else planned
    stages = {
        "submit_s": round(created - submitted, 2),
        "queue_s": round(planned - created, 2),  # outbox relay + Kafka + planner picks it up
        "plan_s": round(first_start - planned, 2),  # snapshot copy, chunk rows, chunk tasks
        "render_s": round(last_done - first_start, 2),  # first chunk start -> last chunk done
        "assemble_s": round(assembly, 2),
        "complete_s": round(finished - last_done - assembly, 2),
        "report_s": round(seen - finished, 2),  # print history, completed event, projection, poll
        "chunks": row["chunk_count"],
        "chunks_by_replica": by_replica,
        "chunk_render_s_mean": round(statistics.fmean(chunk_seconds.values()), 2) if chunk_seconds else None,
        "chunk_render_s_max": round(max(chunk_seconds.values()), 2) if chunk_seconds else None,
    }
    return stages


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time (of the undisturbed runs) stands for the job; every run's
    wall time is kept."""
    clean = [r for r in runs if not r["http_retries"]] or runs
    chosen = dict(sorted(clean, key=lambda r: r["wall_seconds"])[(len(clean) - 1) // 2])
    chosen["runs_wall_seconds"] = [r["wall_seconds"] for r in runs]
    for r in runs:  # profiles are recorded on the first run only
        if "profiles" in r:
            chosen["profiles"] = r["profiles"]
    return chosen

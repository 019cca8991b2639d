"""System benchmark: the whole service pair on a real local stack, end to end over HTTP.

    .venv/bin/python -m bench --only system            # full run (~25 min on 2 cores)
    .venv/bin/python -m bench --only system --quick    # smoke run (~2 min)
    .venv/bin/python bench/system_bench.py --help      # every option

It starts its own LocalStack (PostgreSQL database `labels_bench_<run>`, dropped at the end;
Tansu and SeaweedFS with a data dir under a temp dir), the API as one process and N render
replicas as processes (ServiceProcess, the env of tests/conftest.py), seeds one organization with
bulk SQL (COPY), and measures:

- large jobs: POST -> first poll that sees `completed`, for DataMatrix PNG and sheet-PDF jobs of
  the given sizes, with each replica configuration; a stage breakdown from the database and the
  replica logs; peak RSS/PSS and CPU of every process tree (sampled from /proc every 0.2 s);
- small-job latency: sequential 10-item jobs, polled every 100 ms;
- status throughput: GET of a completed and of a pending job's status on one API process, under
  wrk (or an aiohttp client) on 127.0.0.1, authentication and rate limiting included.

Then it prints a table against the targets and writes bench/results/system-<UTC time>.json.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402

from api_service.adapters import api_keys_repo, catalog_repo  # noqa: E402
from api_service.adapters import jobs_repo as api_jobs_repo  # noqa: E402
from bench import loadgen, pyspy  # noqa: E402
from bench.procstats import TreeSampler  # noqa: E402
from shared.db.migrate import migrate  # noqa: E402
from shared.db.pool import create_pool  # noqa: E402
from shared.devstack.services import ServiceProcess  # noqa: E402
from shared.devstack.stack import LocalStack, StackOptions  # noqa: E402
from shared.ids import new_job_id  # noqa: E402
from shared.settings import CommonSettings  # noqa: E402

EXPORTS = "/products/api/v1/labels/export/"
GTIN = "09506000134352"
EXPIRY = dt.date(2027, 6, 30)
RUN = secrets.token_hex(3)
MB = 2**20
REPEAT_UP_TO = 200_000  # jobs up to this size run --job-repeats times (median kept)


# --------------------------------------------------------------------------------------------
# Options


@dataclass(frozen=True)
class ReplicaConfig:
    replicas: int
    pool: int

    @classmethod
    def parse(cls, text: str) -> ReplicaConfig:
        replicas, _, pool = text.lower().partition("x")
        return cls(int(replicas), int(pool or 1))

    @property
    def key(self) -> str:
        return f"{self.replicas}x{self.pool}"

    @property
    def label(self) -> str:
        s = "s" if self.replicas > 1 else ""
        return f"{self.replicas} replica{s} x pool {self.pool}"


@dataclass
class Options:
    sizes: list[int]
    pdf_sizes: list[int]
    configs: list[ReplicaConfig]
    reference: list[ReplicaConfig]
    small_jobs: int
    small_items: int
    status_seconds: float
    status_connections: int
    status_tool: str
    status_repeats: int
    job_repeats: int
    job_timeout: float | None
    env: dict[str, str]
    py_spy: bool
    api_db_params: str
    quick: bool
    out: Path


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    for suffix, factor in (("k", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            return int(float(text[:-1]) * factor)
    return int(text)


def parse_args(argv: Sequence[str] | None = None) -> Options:
    p = argparse.ArgumentParser(prog="python -m bench --only system", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke run of the benchmark itself")
    p.add_argument("--sizes", help="DataMatrix PNG job sizes (default 100k,1M; quick 2000,10000)")
    p.add_argument("--pdf-sizes", help="sheet-PDF job sizes (default 100k; quick 2000); '' for none")
    p.add_argument("--configs", help="replica configs REPLICASxPOOL run with every size (default 2x1,1x1)")
    p.add_argument("--reference", help="configs run with the smallest sizes only (default 1x2); '' for none")
    p.add_argument("--small-jobs", type=int, help="small jobs for the latency figure (default 30; quick 5)")
    p.add_argument("--small-items", type=int, default=10, help="items per small job (default 10)")
    p.add_argument(
        "--status-seconds", type=float, help="seconds per status measurement (default 10; quick 3)"
    )
    p.add_argument(
        "--status-connections", type=int, default=16, help="load-generator connections (default 16)"
    )
    p.add_argument("--status-tool", choices=("auto", "wrk", "aiohttp"), default="auto")
    p.add_argument(
        "--status-repeats", type=int, help="runs per status measurement, median reported (default 3; quick 1)"
    )
    p.add_argument(
        "--job-repeats",
        type=int,
        help=f"runs of each job of <= {REPEAT_UP_TO:,} items, median kept (default 3; quick 1)",
    )
    p.add_argument("--job-timeout", type=float, help="seconds a large job may take (default 120 + n/400)")
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="VAR=VALUE",
        help="extra environment for the API and the replicas (repeatable), e.g. RENDER_CHUNK_SIZE=10000",
    )
    p.add_argument(
        "--py-spy",
        action="store_true",
        help="record py-spy profiles of the replicas (largest PNG job) and of the API (status load)",
    )
    p.add_argument(
        "--api-db-params",
        default="",
        metavar="K=V&...",
        help="experiment: query parameters appended to the API's DATABASE_URL only (asyncpg sends "
        "unknown ones as server settings), e.g. synchronous_commit=off",
    )
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    a = p.parse_args(argv)

    def sizes(value: str | None, default: str, quick: str) -> list[int]:
        text = value if value is not None else (quick if a.quick else default)
        return [parse_size(s) for s in text.split(",") if s.strip()]

    def configs(value: str | None, default: str, quick: str) -> list[ReplicaConfig]:
        text = value if value is not None else (quick if a.quick else default)
        return [ReplicaConfig.parse(s) for s in text.split(",") if s.strip()]

    env = {}
    if a.quick:
        # Small jobs must still fan out over chunks and replicas, as the big ones do.
        env["RENDER_CHUNK_SIZE"] = "2500"
    for item in a.env:
        var, sep, value = item.partition("=")
        if not sep:
            p.error(f"--env {item!r}: expected VAR=VALUE")
        env[var] = value
    return Options(
        sizes=sizes(a.sizes, "100k,1M", "2000,10000"),
        pdf_sizes=sizes(a.pdf_sizes, "100k", "2000"),
        configs=configs(a.configs, "2x1,1x1", "2x1,1x1"),
        reference=configs(a.reference, "1x2", "1x2"),
        small_jobs=a.small_jobs if a.small_jobs is not None else (5 if a.quick else 30),
        small_items=a.small_items,
        status_seconds=a.status_seconds if a.status_seconds is not None else (3 if a.quick else 10),
        status_connections=a.status_connections,
        status_tool=a.status_tool,
        status_repeats=a.status_repeats if a.status_repeats is not None else (1 if a.quick else 3),
        job_repeats=a.job_repeats if a.job_repeats is not None else (1 if a.quick else 3),
        job_timeout=a.job_timeout,
        env=env,
        py_spy=a.py_spy,
        api_db_params=a.api_db_params,
        quick=a.quick,
        out=a.out,
    )


# --------------------------------------------------------------------------------------------
# Catalog


@dataclass
class Catalog:
    organization_id: uuid.UUID
    api_key: str
    key_id: uuid.UUID
    lot_size: int
    big_lots: list[uuid.UUID]
    small_lots: list[uuid.UUID]
    seconds: float = 0.0

    def lots_for(self, n: int) -> list[str]:
        if n % self.lot_size or n // self.lot_size > len(self.big_lots):
            raise ValueError(f"{n} items is not a whole number of the seeded lots of {self.lot_size}")
        return [str(lot) for lot in self.big_lots[: n // self.lot_size]]


async def seed(db: asyncpg.Pool, *, job_sizes: Sequence[int], small_lots: int, small_items: int) -> Catalog:
    """One organization, one product, lots of `lot_size` serials (COPY), and small lots.

    Every large job selects the first n / lot_size lots, so it gets exactly n serials; lot_size is
    the greatest common divisor of the sizes (100,000 for 100k and 1M).
    """
    started = time.perf_counter()
    lot_size = math.gcd(*job_sizes) if job_sizes else small_items
    big_count = max(job_sizes) // lot_size if job_sizes else 0
    org = await catalog_repo.create_organization(db, name=f"bench-{RUN}")
    key_id, key = await api_keys_repo.create_key(db, organization_id=org, name="bench")
    # High limits: the status load would hit the default 300/min at once (counting stays on).
    await api_keys_repo.set_rate_limits(db, key_id=key_id, per_minute=2_000_000_000, per_day=2_000_000_000)
    product = await catalog_repo.insert_product(db, organization_id=org, gtin=GTIN, name="Bench product")
    assert product is not None
    async with db.acquire() as conn:
        lot_run = await catalog_repo.create_run(
            conn, organization_id=org, kind="lots", count=big_count + small_lots
        )
        lots = await catalog_repo.insert_lots(
            conn,
            organization_id=org,
            product_id=product,
            run_id=lot_run,
            lots=[(f"BIG{i:04d}", EXPIRY) for i in range(big_count)]
            + [(f"SMALL{i:04d}", EXPIRY) for i in range(small_lots)],
        )
        serial_run = await catalog_repo.create_run(
            conn, organization_id=org, kind="serials", count=big_count * lot_size + small_lots * small_items
        )
        for number, lot in enumerate(lots):
            count = lot_size if number < big_count else small_items
            prefix = f"S{number:04d}"
            await conn.copy_records_to_table(
                "serials",
                schema_name="catalog",
                columns=["organization_id", "lot_id", "lot_run_id", "serial_number"],
                records=((org, lot, serial_run, f"{prefix}{i:09d}") for i in range(count)),
            )
    # Settle the fresh rows (visibility map, hint bits, statistics) so the first job does not pay for it.
    await db.execute("VACUUM (ANALYZE) catalog.lots, catalog.serials")
    return Catalog(
        org,
        key,
        key_id,
        lot_size,
        lots[:big_count],
        lots[big_count:],
        seconds=round(time.perf_counter() - started, 1),
    )


# --------------------------------------------------------------------------------------------
# HTTP


class Api:
    """The few calls the benchmark makes. Like a real client (label_client), it retries 502/503/504
    and connection errors for up to `patience` s; `retries` counts them, so a disturbed
    measurement (e.g. someone restarting the shared PostgreSQL) shows in the results."""

    RETRY_STATUSES = frozenset({502, 503, 504})

    def __init__(self, base_url: str, api_key: str, *, patience: float = 120) -> None:
        self.base_url = base_url
        self.http = aiohttp.ClientSession(headers={"X-API-Key": api_key})
        self.patience = patience
        self.retries = 0

    async def close(self) -> None:
        await self.http.close()

    async def _request(self, method: str, url: str, ok: int, **kwargs: Any) -> dict[str, Any]:
        deadline = time.perf_counter() + self.patience
        while True:
            try:
                async with self.http.request(method, url, **kwargs) as resp:
                    answer: dict[str, Any] = await resp.json()
                    if resp.status == ok:
                        return answer
                    if resp.status not in self.RETRY_STATUSES or time.perf_counter() > deadline:
                        raise RuntimeError(f"{method} {url} answered {resp.status}: {answer}")
            except (aiohttp.ClientConnectionError, aiohttp.ContentTypeError):
                if time.perf_counter() > deadline:
                    raise
            self.retries += 1
            await asyncio.sleep(0.5)

    async def submit(self, body: dict[str, Any]) -> str:
        # An idempotency key makes a retried submit return the same job.
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        answer = await self._request("POST", self.base_url + EXPORTS, 202, json=body, headers=headers)
        return str(answer["job_id"])

    async def status(self, job_id: str) -> dict[str, Any]:
        return await self._request("GET", f"{self.base_url}{EXPORTS}{job_id}/", 200)

    async def wait(self, job_id: str, *, poll: float, timeout: float) -> tuple[dict[str, Any], float]:  # noqa: ASYNC109
        """Poll until terminal; (final status, perf_counter() when it was seen)."""
        deadline = time.perf_counter() + timeout
        while True:
            status = await self.status(job_id)
            seen = time.perf_counter()
            if status["status"] in ("completed", "failed"):
                return status, seen
            if seen > deadline:
                raise TimeoutError(f"job {job_id} still {status['status']} after {timeout:.0f} s: {status}")
            await asyncio.sleep(poll)


# --------------------------------------------------------------------------------------------
# Running


@dataclass
class Context:
    opts: Options
    stack: LocalStack
    db: asyncpg.Pool
    catalog: Catalog
    api_proc: ServiceProcess
    api: Api
    env: dict[str, str]
    logs: Path
    profiles: Path
    results: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def infra_roots(self) -> dict[str, int]:
        roots = {f"infra:{name}": pid for name, pid in self.stack.pids().items()}
        if (pg := _postmaster_pid()) is not None:
            roots["infra:postgres-server (all its sessions)"] = pg
        return roots


def _postmaster_pid() -> int | None:
    """The machine's PostgreSQL server process (the one whose parent is not a postgres)."""
    comms: dict[int, tuple[str, int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_bytes()
        except OSError:
            continue
        comm = stat[stat.index(b"(") + 1 : stat.rindex(b")")].decode(errors="replace")
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        comms[int(name)] = (comm, ppid)
    for pid, (comm, ppid) in comms.items():
        if comm.startswith("postgres") and not comms.get(ppid, ("", 0))[0].startswith("postgres"):
            return pid
    return None


async def start_replicas(ctx: Context, cfg: ReplicaConfig) -> list[ServiceProcess]:
    replicas = [
        ServiceProcess(
            module="render_service",
            name=f"render-{cfg.key}-{n}",
            env={**ctx.env, "RENDER_INSTANCE_ID": f"render-{cfg.key}-{n}", "RENDER_POOL_SIZE": str(cfg.pool)},
            log_dir=ctx.logs,
            port_var="RENDER_HTTP_PORT",
        )
        for n in range(1, cfg.replicas + 1)
    ]
    try:
        await asyncio.gather(*(r.start(ready_within=60) for r in replicas))
    except BaseException:
        await stop_all(replicas)
        raise
    # Let both consumer groups settle (Tansu delays a join by half the session timeout), then one
    # small job end to end, so the first measured job pays no warm-up.
    await asyncio.sleep(3.5)
    job = await ctx.api.submit(small_body(ctx, 0))
    await ctx.api.wait(job, poll=0.1, timeout=60)
    return replicas


async def stop_all(services: Sequence[ServiceProcess]) -> None:
    await asyncio.gather(*(s.stop() for s in services), return_exceptions=True)


def small_body(ctx: Context, k: int) -> dict[str, Any]:
    lots = ctx.catalog.small_lots
    return {
        "scope": "serials",
        "export_type": "datamatrix",
        "file_format": "png",
        "filters": {"lot_ids": [str(lots[k % len(lots)])]},
    }


def big_body(ctx: Context, kind: str, n: int) -> dict[str, Any]:
    export_type, file_format = ("sheet_pdf", "pdf") if kind == "pdf" else ("datamatrix", "png")
    return {
        "scope": "serials",
        "export_type": export_type,
        "file_format": file_format,
        "filters": {"lot_ids": ctx.catalog.lots_for(n)},
    }


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
        "export": "datamatrix png" if kind == "png" else "sheet_pdf pdf",
        "items": n,
        "job_id": job_id,
        "wall_seconds": round(wall, 2),
        "items_per_second": round(n / wall, 1),
        "file_size_mb": round(final["file_size_bytes"] / MB, 1),
        "stages": stages,
        "system_cpu_busy_percent": round(100 * sampler.system_busy_fraction, 1),
        "unattributed_cpu_percent": _unattributed(sampler),
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


def _unattributed(sampler: TreeSampler, extra_cpu: float = 0.0) -> float:
    """CPU busy on the machine beyond our process trees (and the load generator), as % of all
    cores: other people's work on a shared box, or kernel time not charged to a process."""
    cores = os.cpu_count() or 1
    ours = sum(st.cpu_seconds for st in sampler.stats.values()) + extra_cpu
    busy = sampler.system_busy_fraction * cores * sampler.wall
    return round(100 * max(0.0, busy - ours) / (cores * sampler.wall), 1)


async def small_job_latency(ctx: Context) -> dict[str, Any]:
    print(f"  small jobs: {ctx.opts.small_jobs} x {ctx.opts.small_items} items ...", end="", flush=True)
    latencies = []
    stages: list[dict[str, Any]] = []
    retries_before = ctx.api.retries
    for k in range(ctx.opts.small_jobs):
        submitted = time.time()
        t0 = time.perf_counter()
        job_id = await ctx.api.submit(small_body(ctx, k + 1))
        final, seen = await ctx.api.wait(job_id, poll=0.1, timeout=60)
        if final["status"] != "completed":
            raise RuntimeError(f"small job {job_id} ended {final['status']}: {final}")
        latencies.append(seen - t0)
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
    latencies.sort()
    p50, p95 = _pct(latencies, 50), _pct(latencies, 95)
    print(f" p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms", flush=True)
    return {
        "jobs": len(latencies),
        "items_per_job": ctx.opts.small_items,
        "p50_s": round(p50, 3),
        "p95_s": round(p95, 3),
        "max_s": round(latencies[-1], 3),
        "mean_s": round(statistics.fmean(latencies), 3),
        "median_stage_s": {k: round(statistics.median(s[k] for s in stages), 3) for k in stages[0]},
        "http_retries": ctx.api.retries - retries_before,
        "last_completed_job": job_id,
    }


def _pct(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


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
        return await _status_runs(ctx, {"completed": completed_job, "pending": pending_job})
    finally:
        await ctx.db.execute("DELETE FROM api.export_jobs WHERE job_id = $1", pending_job)


async def _status_runs(ctx: Context, jobs: dict[str, str]) -> dict[str, Any]:
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
            result["unattributed_cpu_percent"] = _unattributed(
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


# --------------------------------------------------------------------------------------------
# Targets and output


def evaluate(ctx: Context) -> list[dict[str, Any]]:
    r = ctx.results
    jobs: list[dict[str, Any]] = r.get("large_jobs", [])
    rows: list[dict[str, Any]] = []

    def row(
        measure: str, value: float | None, unit: str, target: str, ok: bool | None, note: str = ""
    ) -> None:
        rows.append(
            {
                "measure": measure,
                "value": value,
                "unit": unit,
                "target": target,
                "verdict": "SKIP" if ok is None or value is None else ("PASS" if ok else "FAIL"),
                "note": note,
            }
        )

    def find(config: str, kind: str, n: int) -> dict[str, Any] | None:
        return next(
            (j for j in jobs if j["config"] == config and j["kind"] == kind and j["items"] == n), None
        )

    configs = [c.key for c in ctx.opts.configs + ctx.opts.reference]
    for job in jobs:
        runs = job.get("runs_wall_seconds", [])
        row(
            f"{job['export']} {job['items']:,}, {job['config']} wall",
            job["wall_seconds"],
            "s",
            "",
            None,
            f"{job['items_per_second']:,.0f} items/s"
            + (f"; median of {', '.join(f'{w:g}' for w in runs)}" if len(runs) > 1 else "")
            + (f"; DISTURBED ({job['http_retries']} HTTP retries)" if job.get("http_retries") else ""),
        )
    two = next((c for c in ctx.opts.configs if c.replicas == 2), None)
    one = next((c for c in ctx.opts.configs if c.replicas == 1 and (two is None or c.pool == two.pool)), None)
    largest = max(ctx.opts.sizes) if ctx.opts.sizes else None

    # 1M DataMatrix PNG with 2 replicas <= 5 min.
    big = find(two.key, "png", 1_000_000) if two else None
    row(
        "1M DataMatrix PNG, 2 replicas",
        big["wall_seconds"] if big else None,
        "s",
        "<= 300",
        big["wall_seconds"] <= 300 if big else None,
        "" if big else "1M not in --sizes",
    )

    # Peak RSS of each replica during the largest PNG job (1M in the full run), every config.
    rss = [
        (j["config"], name, v)
        for j in jobs
        if j["kind"] == "png" and j["items"] == largest
        for name, v in j["replica_peak_rss_mb"].items()
    ]
    worst = max(rss, key=lambda t: t[2]) if rss else None
    row(
        f"replica peak RSS during {largest:,} PNG" if largest else "replica peak RSS",
        worst[2] if worst else None,
        "MB",
        "<= 300",
        worst[2] <= 300 if worst else None,
        f"worst: {worst[1]}; tree incl. pool workers" if worst else "",
    )

    # Speedup 2 over 1 replica on 100k (or the smallest size).
    base_n = 100_000 if 100_000 in ctx.opts.sizes else largest
    if one and two and base_n:
        a, b = find(one.key, "png", base_n), find(two.key, "png", base_n)
        speed = round(a["wall_seconds"] / b["wall_seconds"], 2) if a and b else None
        row(
            f"speedup {two.key} over {one.key}, PNG {base_n:,}",
            speed,
            "x",
            ">= 1.6",
            speed >= 1.6 if speed else None,
            "pool size per replica equal: a replica = one core",
        )
        for kind in ("pdf",):
            for n in ctx.opts.pdf_sizes:
                a, b = find(one.key, kind, n), find(two.key, kind, n)
                if a and b:
                    row(
                        f"speedup {two.key} over {one.key}, PDF {n:,}",
                        round(a["wall_seconds"] / b["wall_seconds"], 2),
                        "x",
                        "(info)",
                        None,
                    )
        for ref in ctx.opts.reference:
            a = find(ref.key, "png", base_n)
            b = find(two.key, "png", base_n)
            if a and b:
                row(
                    f"speedup {two.key} over {ref.key} (same CPU), PNG {base_n:,}",
                    round(a["wall_seconds"] / b["wall_seconds"], 2),
                    "x",
                    "(info)",
                    None,
                )

    small = r.get("small_jobs")
    row(
        "small-job latency p50",
        small["p50_s"] if small else None,
        "s",
        "<= 1",
        small["p50_s"] <= 1 if small else None,
        f"{small['jobs']} jobs x {small['items_per_job']} items" if small else "",
    )
    row(
        "small-job latency p95",
        small["p95_s"] if small else None,
        "s",
        "<= 2",
        small["p95_s"] <= 2 if small else None,
    )

    for state, res in (r.get("status") or {}).items():
        row(
            f"status GET {state}: throughput",
            res["ok_requests_per_s"],
            "req/s",
            ">= 1500",
            res["ok_requests_per_s"] >= 1500,
            f"median of {res['runs']} x {res['seconds_per_run']:g} s, {res['tool']}, {res['errors']} errors",
        )
        row(
            f"status GET {state}: p99",
            res["p99_ms"],
            "ms",
            "<= 50",
            res["p99_ms"] <= 50,
            f"p50 {res['p50_ms']} ms; API {res['api_cpu_percent']}% of a core, "
            f"PG {res['postgres_cpu_percent']}%, "
            f"other load {res['unattributed_cpu_percent']}% of the machine",
        )
    del configs
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    width = max(len(r["measure"]) for r in rows) + 2
    print()
    print(f"{'measure':<{width}} {'value':>12} {'unit':<6} {'target':<9} {'verdict':<7} note")
    print("-" * (width + 60))
    for r in rows:
        value = r["value"]
        text = "-" if value is None else (f"{value:,.2f}" if isinstance(value, float) else f"{value:,}")
        print(
            f"{r['measure']:<{width}} {text:>12} {r['unit']:<6} {r['target']:<9} {r['verdict']:<7} "
            f"{r['note']}"
        )


def _command_line() -> str:
    entry = Path(sys.argv[0])
    how = (
        ["-m", "bench"]
        if entry.name == "__main__.py"
        else [
            str(entry.relative_to(ROOT)) if entry.is_absolute() and entry.is_relative_to(ROOT) else str(entry)
        ]
    )
    return " ".join([".venv/bin/python", *how, *sys.argv[1:]])


def _git_state() -> dict[str, Any]:
    """The tree measured: HEAD and the files that differ from it (others edit the tree meanwhile)."""
    import subprocess

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "head": git("rev-parse", "--short", "HEAD").strip(),
        "changed_files": [
            ln[3:] for ln in git("status", "--porcelain").splitlines() if not ln[3:].startswith("bench/")
        ],
    }


def machine() -> dict[str, Any]:
    model = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError, ValueError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": model,
        "cpus": os.cpu_count(),
        "memory_mb": mem,
        "load_average_at_start": os.getloadavg(),
    }


# --------------------------------------------------------------------------------------------
# Main


async def run(opts: Options) -> int:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    work = Path(tempfile.mkdtemp(prefix=f"label-bench-{RUN}-"))
    out_dir = opts.out
    logs = out_dir / f"system-{stamp}" / "logs"
    profiles = out_dir / f"system-{stamp}" / "profiles"
    payload: dict[str, Any] = {
        "when": stamp,
        "command": _command_line(),
        "machine": machine(),
        "git": _git_state(),
        "options": {
            "sizes": opts.sizes,
            "pdf_sizes": opts.pdf_sizes,
            "configs": [c.key for c in opts.configs],
            "reference": [c.key for c in opts.reference],
            "small_jobs": opts.small_jobs,
            "small_items": opts.small_items,
            "status_seconds": opts.status_seconds,
            "status_connections": opts.status_connections,
            "status_repeats": opts.status_repeats,
            "job_repeats": opts.job_repeats,
            "api_db_params": opts.api_db_params,
            "extra_env": opts.env,
            "quick": opts.quick,
        },
    }
    rows: list[dict[str, Any]] = []
    status_code = 0
    options = StackOptions(
        data_dir=work / "devstack",
        database=f"labels_bench_{RUN}",
        drop_database_on_stop=True,
    )
    started = time.perf_counter()
    print(
        f"system bench {RUN}: stack in {work}, "
        f"logs in {logs.relative_to(ROOT) if logs.is_relative_to(ROOT) else logs}"
    )
    try:
        async with LocalStack(options) as stack:
            endpoints = stack.endpoints
            await migrate(endpoints.database_url)
            db = await create_pool(
                CommonSettings(database_url=endpoints.database_url), min_size=1, max_size=4
            )
            try:
                big_sizes = sorted(set(opts.sizes + opts.pdf_sizes))
                catalog = await seed(
                    db,
                    job_sizes=big_sizes,
                    small_lots=max(opts.small_jobs, 1) + 2,
                    small_items=opts.small_items,
                )
                print(
                    f"  seeded {max(big_sizes, default=0):,} serials in lots of {catalog.lot_size:,} "
                    f"+ {len(catalog.small_lots)} small lots: {catalog.seconds} s",
                    flush=True,
                )
                env = {
                    **endpoints.as_env(),
                    "KAFKA_SESSION_TIMEOUT_MS": "3000",
                    "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
                    "RENDER_PLANNER_GROUP_ID": f"bench-planner-{RUN}",
                    "RENDER_WORKER_GROUP_ID": f"bench-worker-{RUN}",
                    "PROJECTION_GROUP_ID": f"bench-projection-{RUN}",
                    "LOG_LEVEL": "INFO",
                    **opts.env,
                }
                api_env = {**env, "API_HOST": "127.0.0.1"}
                if opts.api_db_params:
                    url = api_env["DATABASE_URL"]
                    api_env["DATABASE_URL"] = url + ("&" if "?" in url else "?") + opts.api_db_params
                api_proc = ServiceProcess(
                    module="api_service",
                    name="api",
                    env=api_env,
                    log_dir=logs,
                    port_var="API_PORT",
                )
                await api_proc.start(ready_within=60)
                api = Api(api_proc.url, catalog.api_key)
                ctx = Context(opts, stack, db, catalog, api_proc, api, env, logs, profiles)
                payload["seed_seconds"] = catalog.seconds
                payload["service_env"] = {
                    k: v
                    for k, v in api_proc.env.items()
                    if k.startswith(("RENDER_", "DB_POOL", "KAFKA_SESSION", "KAFKA_HEART"))
                }
                try:
                    await measure_all(ctx)
                finally:
                    await api.close()
                    await api_proc.stop()
                    # Whatever was measured is kept, also when a later step failed.
                    payload.update(ctx.results)
                    payload["notes"] = ctx.notes
                    payload["http_retries"] = api.retries
                    rows = evaluate(ctx)
            finally:
                await db.close()
    except BaseException as exc:
        payload["error"] = f"{type(exc).__name__}: {exc}"
        status_code = 2
        if not isinstance(exc, Exception):
            raise
        print(f"\nsystem bench failed: {payload['error']}", file=sys.stderr)
    finally:
        payload["total_seconds"] = round(time.perf_counter() - started, 1)
        shutil.rmtree(work, ignore_errors=True)
        if rows:
            print_table(rows)
            payload["targets"] = rows
            if any(r["verdict"] == "FAIL" for r in rows) and status_code == 0:
                status_code = 1
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"system-{stamp}.json"
        path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
        print(
            f"\nwrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
            f"({payload['total_seconds']:.0f} s)"
        )
    return status_code


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
        ctx.results.setdefault("git_at_config_start", {})[cfg.key] = _git_state()
        replicas = await start_replicas(ctx, cfg)
        try:
            sizes = opts.sizes[:1] if reference_only else opts.sizes
            pdf_sizes = opts.pdf_sizes[:1] if reference_only else opts.pdf_sizes
            for kind, n in [("png", n) for n in sizes] + [("pdf", n) for n in pdf_sizes]:
                profile = opts.py_spy and kind == "png" and n == largest and not reference_only
                runs = [
                    await large_job(ctx, cfg, replicas, kind, n, profile=profile and i == 0)
                    for i in range(opts.job_repeats if n <= REPEAT_UP_TO else 1)
                ]
                jobs.append(_median_run(runs))
            if cfg == first_two and not reference_only:
                small = await small_job_latency(ctx)
                ctx.results["small_jobs"] = small
                ctx.results["status"] = await status_throughput(ctx, small["last_completed_job"])
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


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time (of the undisturbed runs) stands for the job; every run's
    wall time is kept."""
    clean = [r for r in runs if not r["http_retries"]] or runs
    chosen = dict(sorted(clean, key=lambda r: r["wall_seconds"])[(len(clean) - 1) // 2])
    chosen["runs_wall_seconds"] = [r["wall_seconds"] for r in runs]
    for r in runs:  # profiles are recorded on the first run only
        if "profiles" in r:
            chosen["profiles"] = r["profiles"]
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    return asyncio.run(run(opts))


if __name__ == "__main__":
    raise SystemExit(main())

"""The whole system benchmark: stack, seed, services, measurements, table and JSON."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.system.api_client import Api
from bench.system.catalog import seed
from bench.system.constants import ROOT, RUN
from bench.system.context import Context
from bench.system.measure import measure_all
from bench.system.options import Options, parse_args
from bench.system.provenance import command_line, git_state, machine
from bench.system.report import print_table, write_json
from bench.system.services import api_process, service_env
from bench.system.targets import evaluate
from devtools.stack import LocalStack, StackOptions
from shared.db.migrate import migrate
from shared.db.pool import create_pool
from shared.settings import CommonSettings


async def run(opts: Options) -> int:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    work = Path(tempfile.mkdtemp(prefix=f"label-bench-{RUN}-"))
    out_dir = opts.out
    logs = out_dir / f"system-{stamp}" / "logs"
    profiles = out_dir / f"system-{stamp}" / "profiles"
    payload: dict[str, Any] = {
        "when": stamp,
        "command": command_line(),
        "machine": machine(),
        "git": git_state(),
        "options": {
            "sizes": opts.sizes,
            "pdf_sizes": opts.pdf_sizes,
            "zpl_sizes": opts.zpl_sizes,
            "configs": [c.key for c in opts.configs],
            "reference": [c.key for c in opts.reference],
            "small_jobs": opts.small_jobs,
            "small_items": opts.small_items,
            "fairness_size": opts.fairness_size,
            "fairness_jobs": opts.fairness_jobs,
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
                fairness = [opts.fairness_size] if opts.fairness_size else []
                big_sizes = sorted(set(opts.sizes + opts.pdf_sizes + opts.zpl_sizes + fairness))
                catalog = await seed(
                    db,
                    job_sizes=big_sizes,
                    small_lots=max(opts.small_jobs, 1) + 2,
                    small_items=opts.small_items,
                    other_lots=opts.fairness_jobs if fairness else 0,
                )
                print(
                    f"  seeded {max(big_sizes, default=0):,} serials in lots of {catalog.lot_size:,} "
                    f"+ {len(catalog.small_lots)} small lots: {catalog.seconds} s",
                    flush=True,
                )
                env = service_env(endpoints, opts)
                api_proc = api_process(env, opts, logs)
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
        path = write_json(payload, out_dir, stamp)
        print(
            f"\nwrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
            f"({payload['total_seconds']:.0f} s)"
        )
    return status_code


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    return asyncio.run(run(opts))

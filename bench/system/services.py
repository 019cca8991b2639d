"""The services under test: their environment, the API process, render replicas."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from bench.system.constants import RUN
from bench.system.context import Context, small_body
from bench.system.options import Options, ReplicaConfig
from devtools.endpoints import StackEndpoints
from devtools.services import ServiceProcess
from devtools.system import Services
from devtools.system import service_env as devtools_service_env


async def start_replicas(ctx: Context, cfg: ReplicaConfig) -> list[ServiceProcess]:
    services = Services(env=ctx.env, log_dir=ctx.logs)
    replicas = [
        services.render(f"render-{cfg.key}-{n}", env={"RENDER_POOL_SIZE": str(cfg.pool)})
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


def service_env(endpoints: StackEndpoints, opts: Options) -> dict[str, str]:
    """The environment of the API and the render replicas (fast consumer-group settling)."""
    return devtools_service_env(endpoints, group_prefix=f"bench-{RUN}", extra=opts.env)


def api_process(env: dict[str, str], opts: Options, logs: Path) -> ServiceProcess:
    """The API as a child process on 127.0.0.1 (with --api-db-params on its DATABASE_URL)."""
    api_env: dict[str, str] = {}
    if opts.api_db_params:
        url = env["DATABASE_URL"]
        api_env["DATABASE_URL"] = url + ("&" if "?" in url else "?") + opts.api_db_params
    return Services(env=env, log_dir=logs).api(env=api_env)

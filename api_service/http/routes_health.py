"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from aiohttp import web

from api_service.http.json_io import json_response
from api_service.state import DB_POOL, KAFKA_PRODUCER, LOOPS
from shared.lifecycle import database_check

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """Each background loop by name: running, or restarting (with its restarts and last error).
    A restarting loop is the supervisor's to bring back; only a lost supervisor fails liveness."""
    loops = request.app[LOOPS]
    alive = loops.supervisors_alive()
    return json_response(
        {"status": "ok" if alive else "dead", "loops": loops.report()}, status=200 if alive else 500
    )


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """Reports the database and Kafka; ready (200) while the database answers."""
    checks = {"database": await database_check(request.app[DB_POOL])}
    lazy = request.app[KAFKA_PRODUCER]
    try:
        ok = False
        if lazy.ready:
            async with asyncio.timeout(2):
                client = (await lazy.get()).client
                ok = await client.ready(client.get_random_node())
        checks["kafka"] = "ok" if ok else "unavailable"
    except Exception as exc:
        checks["kafka"] = f"unavailable: {type(exc).__name__}"
    loops = request.app[LOOPS]
    # Kafka down, or a loop restarting, makes the API degraded, not unready: submits still succeed
    # into the outbox (no lost job), which an unready pod — taken out of its Service — could not do.
    if checks["database"] != "ok":
        return json_response({"status": "not ready", "checks": checks, "loops": loops.report()}, status=503)
    status = "ready" if checks["kafka"] == "ok" and loops.all_running() else "degraded"
    return json_response({"status": status, "checks": checks, "loops": loops.report()})

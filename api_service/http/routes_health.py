"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from aiohttp import web

from api_service.http.json_io import json_response
from api_service.state import DB_POOL, KAFKA_PRODUCER

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers and the Kafka client knows a live broker."""
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(2):
            await request.app[DB_POOL].fetchval("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable: {type(exc).__name__}"
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
    ready = all(v == "ok" for v in checks.values())
    return json_response({"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503)

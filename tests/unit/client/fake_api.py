"""A scripted stand-in for the API (client and CLI tests): in-process, on a real socket, no stack."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JOB = "7Hq3mZx9TbWcYdKpRfLs2A"
KEY = "csb_" + "a" * 32 + "_00000000"
EXPORTS = "/products/api/v1/labels/export/"
ARTIFACT = b"PK" + bytes(range(256)) * 40


@dataclass
class Script:
    """What the fake server answers; what it saw."""

    states: list[dict[str, Any]] = field(default_factory=list)
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    artifact: bytes = ARTIFACT
    rate_limited_once: bool = False
    requested: asyncio.Event = field(default_factory=asyncio.Event)  # set at the first request

    def status(self, **kw: Any) -> dict[str, Any]:
        body = {
            "job_id": JOB,
            "status": "processing",
            "total_items": 10,
            "processed_items": 0,
            "progress_percent": 0,
            "download_url": None,
            "expires_at": None,
            "output_filename": None,
            "file_size_bytes": 0,
            "error": None,
        }
        body.update(kw)
        return body


@contextlib.asynccontextmanager
async def serve_script(script: Script | None = None) -> AsyncIterator[tuple[str, Script]]:
    """Yield the base URL of a fake API that answers from `script` (a fresh one by default)."""
    script = script or Script()
    app = web.Application()

    async def record(request: web.Request) -> None:
        script.seen.append((request.method, request.path, dict(request.headers)))
        script.requested.set()

    async def poll(request: web.Request) -> web.Response:
        await record(request)
        if script.rate_limited_once:
            script.rate_limited_once = False
            return web.json_response(
                {"error": {"code": "RATE_LIMITED", "message": "slow", "status": 429, "details": None}},
                status=429,
                headers={"Retry-After": "0"},
            )
        body = script.states.pop(0) if len(script.states) > 1 else script.states[0]
        etag = f'"{body["status"]}-{body["processed_items"]}"'
        headers = {"ETag": etag, "Retry-After": "0"}
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        if body["status"] == "completed":
            body = {**body, "download_url": f"http://{request.host}/bucket/a.zip?X-Sig=secret"}
        return web.json_response(body, headers=headers)

    async def cancel(request: web.Request) -> web.Response:
        await record(request)
        if script.states[0]["status"] in ("completed", "failed"):
            return web.json_response(
                {"error": {"code": "CONFLICT", "message": "already done", "status": 409, "details": None}},
                status=409,
            )
        script.states = [script.status(status="failed", error="cancelled by the client")]
        return web.json_response(script.states[0], status=202)

    async def artifact(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(body=script.artifact, content_type="application/zip")

    async def submit(request: web.Request) -> web.Response:
        await record(request)
        return web.json_response(
            {"job_id": JOB, "status": "pending", "poll_url": f"{EXPORTS}{JOB}/"},
            status=202,
            headers={"Retry-After": "1"},
        )

    app.router.add_post(EXPORTS, submit)
    app.router.add_get(EXPORTS + "{job_id}/", poll)
    app.router.add_post(EXPORTS + "{job_id}/cancel/", cancel)
    app.router.add_get("/bucket/a.zip", artifact)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", script
    finally:
        await runner.cleanup()

"""The download link is a real SigV4 presigned URL: the S3 server refuses it once expired or altered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
import pytest
from aiohttp import web

from api_service.app import create_app
from api_service.settings import ApiSettings
from devtools.ports import free_port
from tests.support.api import Api, Tenant

pytestmark = pytest.mark.e2e


@pytest.fixture
async def short_ttl_api(
    service_env: dict[str, str], tenant: Tenant, render_replicas: Any
) -> AsyncIterator[Api]:
    """A second API replica whose links live 2 seconds."""
    env = {k.lower(): v for k, v in service_env.items()}
    env["projection_group_id"] += "-short"
    settings = ApiSettings(**env, api_port=free_port(), download_url_ttl_seconds=2)
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.api_port).start()
    async with aiohttp.ClientSession() as session:
        yield Api(session, f"http://127.0.0.1:{settings.api_port}", tenant)
    await runner.cleanup()


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


async def test_expired_and_tampered_links_are_refused(short_ttl_api: Api) -> None:
    api = short_ttl_api
    receipt = await api.submit({"scope": "lots", "export_type": "datamatrix", "file_format": "png"})
    status = await api.wait_terminal(receipt.body["job_id"])
    assert status["status"] == "completed"
    url = status["download_url"]
    assert "X-Amz-Signature=" in url and "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url

    async with api.session.get(url) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Disposition"] == f'attachment; filename="{status["output_filename"]}"'
    signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    forged = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    async with api.session.get(with_query(url, **{"X-Amz-Signature": forged})) as resp:
        assert resp.status == 403
    async with api.session.get(with_query(url, **{"X-Amz-Expires": "3600"})) as resp:
        assert resp.status == 403  # a longer life is part of what was signed
    async with api.session.get(url.replace(status["job_id"], status["job_id"][::-1])) as resp:
        assert resp.status == 403

    await asyncio.sleep(3)
    async with api.session.get(url) as resp:
        assert resp.status == 403

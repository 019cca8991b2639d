"""Fixtures of the HTTP tests: a client session and the caller's API client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.support.api import Api, Tenant


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def api(session: aiohttp.ClientSession, api_url: str, tenant: Tenant) -> Api:
    return Api(session, api_url, tenant)

"""Fixtures of the HTTP tests: the caller's API client (the client session is tests/conftest.py's)."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.api import Api, Tenant


@pytest.fixture
async def api(session: aiohttp.ClientSession, api_url: str, tenant: Tenant) -> Api:
    return Api(session, api_url, tenant)

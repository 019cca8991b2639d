"""The API's error middleware: a dependency that is away is a 503 with Retry-After, decided by the
one transient list of both services (shared/transient.py); anything else unexpected is a 500."""

from __future__ import annotations

import asyncpg
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from api_service.http.errors import error_middleware


async def answer(exc: Exception) -> web.Response:
    async def handler(request: web.Request) -> web.StreamResponse:
        raise exc

    response = await error_middleware(make_mocked_request("GET", "/products/api/v1/labels/export/"), handler)
    assert isinstance(response, web.Response)
    return response


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.exceptions.InternalClientError("cannot switch to state 12"),  # after a PostgreSQL restart
        asyncpg.exceptions.AdminShutdownError(),
        ConnectionRefusedError(),
        TimeoutError(),
    ],
)
async def test_a_dependency_away_is_a_503_with_retry_after(exc: Exception) -> None:
    response = await answer(exc)
    assert response.status == 503
    assert response.headers["Retry-After"] == "2"
    assert orjson.loads(response.body)["error"]["code"] == "SERVICE_UNAVAILABLE"


async def test_a_bug_is_a_500_in_the_envelope() -> None:
    response = await answer(RuntimeError("boom"))
    assert response.status == 500
    assert "Retry-After" not in response.headers
    assert orjson.loads(response.body)["error"]["code"] == "INTERNAL_ERROR"

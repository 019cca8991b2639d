"""API-key authentication and per-key rate limiting (docs/contract.md#authentication-and-rate-limits)."""

from __future__ import annotations

import datetime as dt
import time

from aiohttp import web

from api_service.adapters.api_keys_repo import authenticate_and_count
from api_service.domain.api_keys import is_well_formed
from api_service.domain.rate_limits import WindowState, effective_limit, verdict
from api_service.http.errors import ApiError, Handler
from api_service.state import COUNTERS_POOL, KEY_USAGE, PRINCIPAL, RATE_LIMIT_HEADERS, SETTINGS

PROTECTED_PREFIX = "/products/api/v1/"
PUBLIC_PATHS = frozenset({"/products/api/v1/openapi.json"})


@web.middleware
async def rate_limit_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost: every answer to an identified caller carries its limits, errors included."""
    response = await handler(request)
    headers = request.get(RATE_LIMIT_HEADERS)
    if headers:
        response.headers.update(headers)
    return response


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(PROTECTED_PREFIX) or request.path in PUBLIC_PATHS:
        return await handler(request)
    key = request.headers.get("X-API-Key")
    if not key:
        raise ApiError(401, "missing X-API-Key header")
    # Shape and checksum first: a typo never costs a database round trip.
    if not is_well_formed(key):
        raise ApiError(401, "malformed API key")
    settings = request.app[SETTINGS]
    now = time.time()
    minute_start = now - now % 60
    day_start = now - now % 86400
    found = await authenticate_and_count(
        request.app[COUNTERS_POOL],
        key,
        minute_start=dt.datetime.fromtimestamp(minute_start, dt.UTC),
        day_start=dt.datetime.fromtimestamp(day_start, dt.UTC),
    )
    if found is None:
        raise ApiError(401, "unknown, revoked or expired API key")
    principal, minute_count, day_count = found
    request[PRINCIPAL] = principal
    request.app[KEY_USAGE].record(principal.key_id)
    result = verdict(
        [
            WindowState(
                limit=effective_limit(principal.rate_limit_per_minute, settings.rate_limit_per_minute),
                seconds=60,
                count=minute_count,
                reset_at=minute_start + 60,
            ),
            WindowState(
                limit=effective_limit(principal.rate_limit_per_day, settings.rate_limit_per_day),
                seconds=86400,
                count=day_count,
                reset_at=day_start + 86400,
            ),
        ],
        now=now,
    )
    request[RATE_LIMIT_HEADERS] = result.headers
    if not result.allowed:
        raise ApiError(429, f"rate limit exceeded; retry in {result.retry_after} s")
    return await handler(request)

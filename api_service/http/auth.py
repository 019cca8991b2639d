"""API-key authentication middleware (SPEC §1.5)."""

from __future__ import annotations

from aiohttp import web

from api_service.adapters.api_keys_repo import find_principal
from api_service.domain.api_keys import is_well_formed
from api_service.http.errors import ApiError, Handler
from api_service.state import DB_POOL, PRINCIPAL

PROTECTED_PREFIX = "/products/api/v1/"


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(PROTECTED_PREFIX):
        return await handler(request)
    key = request.headers.get("X-API-Key")
    if not key:
        raise ApiError(401, "missing X-API-Key header")
    # Shape and checksum first: a typo never costs a database round trip.
    if not is_well_formed(key):
        raise ApiError(401, "malformed API key")
    principal = await find_principal(request.app[DB_POOL], key)
    if principal is None:
        raise ApiError(401, "unknown, revoked or expired API key")
    request[PRINCIPAL] = principal
    return await handler(request)

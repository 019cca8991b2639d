"""The one error envelope (docs/contract.md#errors) for every failure, including aiohttp's own 404/405/413."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

import orjson
from aiohttp import web

from api_service.domain.errors import Conflict, DomainError, InvalidRequest, NotFound
from labelkit.field_errors import FieldError
from shared.transient import is_transient

log = logging.getLogger(__name__)

CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


class ApiError(Exception):
    """Raise from a handler to answer with the envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        details: Sequence[FieldError | Mapping[str, object]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
        self.headers = headers or {}


def validation_error(errors: Sequence[FieldError], message: str = "request validation failed") -> ApiError:
    return ApiError(422, message, details=errors)


def not_found(what: str = "resource") -> ApiError:
    return ApiError(404, f"{what} not found")


def from_domain(err: DomainError) -> ApiError:
    """The one mapping of the services' refusals to HTTP statuses and envelopes."""
    if isinstance(err, NotFound):
        return ApiError(404, err.message)
    if isinstance(err, Conflict):
        return ApiError(409, err.message, details=err.details)
    if isinstance(err, InvalidRequest):
        return ApiError(422, err.message, details=err.errors)
    raise TypeError(f"no HTTP mapping for {type(err).__name__}")


def error_response(err: ApiError) -> web.Response:
    details: list[dict[str, object]] | None
    if err.details is None:
        details = None
    else:
        details = [
            {"field": d.field, "message": d.message} if isinstance(d, FieldError) else dict(d)
            for d in err.details
        ]
    body = {
        "error": {
            "code": CODES.get(err.status, "ERROR"),
            "message": err.message,
            "status": err.status,
            "details": details,
        }
    }
    return web.Response(
        status=err.status,
        body=orjson.dumps(body),
        content_type="application/json",
        headers=err.headers,
    )


_AIOHTTP_MESSAGES = {
    404: "no such route",
    405: "method not allowed on this route",
    413: "request body too large",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as err:
        return error_response(err)
    except DomainError as err:
        return error_response(from_domain(err))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = _AIOHTTP_MESSAGES.get(exc.status, exc.reason)
        headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"}
        return error_response(ApiError(exc.status, message, headers=headers))
    except Exception as exc:
        if is_transient(exc):
            # The database is restarting or unreachable (the one transient list of both services,
            # shared/transient.py: it includes the InternalClientError of a pooled connection a
            # PostgreSQL restart broke, seen as 500s while polling): say when to retry, not 500.
            log.warning(
                "dependency unavailable on %s %s: %s", request.method, request.path, type(exc).__name__
            )
            return error_response(
                ApiError(503, "service temporarily unavailable; retry shortly", headers={"Retry-After": "2"})
            )
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(ApiError(500, "internal error; the request was not completed"))

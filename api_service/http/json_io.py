"""JSON in and out with orjson; body parsing that answers 400 for malformed JSON and 422 for bad fields."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from api_service.http.errors import ApiError, validation_error
from labelkit.field_errors import field_errors

M = TypeVar("M", bound=BaseModel)


def _default(value: Any) -> Any:
    # asyncpg returns its own UUID subclass, which orjson does not serialize natively.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, default=_default)


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=dumps(data), status=status, content_type="application/json", headers=headers)


async def read_json(request: web.Request) -> Any:
    raw = await request.read()  # client_max_size bounds it: larger bodies are answered with 413
    if not raw:
        raise ApiError(400, "request body is empty; a JSON object is required")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from None


def parse_model(model: type[M], raw: Any) -> M:
    if not isinstance(raw, dict):
        raise ApiError(422, "request body must be a JSON object")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(field_errors(exc)) from None


async def read_model(request: web.Request, model: type[M]) -> M:
    return parse_model(model, await read_json(request))

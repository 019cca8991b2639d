"""The OpenAPI 3.1 document, generated from the pydantic models the handlers validate requests and
build answers with. `test_openapi` checks every registered route is described."""

from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api_service.domain.catalog import ActivePatch, LotsBulkIn, ProductIn, SerialsBulkIn
from api_service.http import schemas as out
from api_service.http.json_io import dumps
from api_service.http.routes_preview import RESPONSE_CONTENT as PREVIEW_CONTENT
from api_service.http.routes_preview import PreviewRequest
from labelkit.export_spec import ExportSpec
from labelkit.ids import JOB_ID_ALPHABET

routes = web.RouteTableDef()
BASE = "/products/api/v1"
OPENAPI_PATH = f"{BASE}/openapi.json"

_MODELS: list[type[BaseModel]] = [
    ExportSpec,
    PreviewRequest,
    ProductIn,
    LotsBulkIn,
    SerialsBulkIn,
    ActivePatch,
    out.ErrorEnvelope,
    out.ExportReceipt,
    out.JobStatus,
    out.ProductOut,
    out.BulkCreated,
    out.ProductRow,
    out.LotRow,
    out.SerialRow,
    out.Page[out.ProductRow],
    out.Page[out.LotRow],
    out.Page[out.SerialRow],
]

_ERRORS = {
    400: "Malformed JSON",
    401: "Missing, malformed, unknown, revoked or expired API key",
    404: "Not found (or another organization's)",
    409: "Conflict",
    413: "Request body too large",
    422: "Validation error; `details` names each field",
    429: "Rate limit exceeded; see Retry-After",
}
_RATE_HEADERS = {
    name: {"schema": {"type": "string"}, "description": "docs/contract.md#rate-limits"}
    for name in (
        "RateLimit-Policy",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    )
}


@cache
def _schemas() -> tuple[dict[Any, Any], dict[str, Any]]:
    refs, definitions = models_json_schema(
        [(model, "validation") for model in _MODELS], ref_template="#/components/schemas/{model}"
    )
    return refs, definitions.get("$defs", {})


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return dict(_schemas()[0][(model, "validation")])


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(model)}}


def _operation(
    summary: str,
    *,
    ok: tuple[int, type[BaseModel] | None],
    errors: tuple[int, ...],
    body: type[BaseModel] | None = None,
    parameters: list[dict[str, Any]] | None = None,
    extra: dict[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    status, model = ok
    responses: dict[str, Any] = {
        str(status): {
            "description": "OK",
            "headers": _RATE_HEADERS,
            **({"content": _json(model)} if model else {}),
        }
    }
    for code in sorted({401, 429, *errors} | ({400, 413} if body else set())):
        responses[str(code)] = {"description": _ERRORS[code], "content": _json(out.ErrorEnvelope)}
    for code, response in (extra or {}).items():
        responses[str(code)] = response
    op: dict[str, Any] = {"summary": summary, "responses": responses, "parameters": parameters or []}
    if body is not None:
        op["requestBody"] = {"required": True, "content": _json(body)}
    return op


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


_JOB_ID = {
    "name": "job_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": f"^[{JOB_ID_ALPHABET}]{{22}}$"},
}
_UUID = {"type": "string", "format": "uuid"}
_PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": 10_000_000}),
    _query("page_size", {"type": "integer", "minimum": 1, "maximum": 100}),
]


def _paths() -> dict[str, Any]:
    exports = f"{BASE}/labels/export/"
    paths: dict[str, Any] = {
        exports: {
            "post": _operation(
                "Submit a bulk label-export job",
                ok=(202, out.ExportReceipt),
                errors=(422,),
                body=ExportSpec,
                parameters=[
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    }
                ],
                extra={
                    422: {
                        "description": "Validation error, or a job larger than the organization's limits"
                        " allow (docs/contract.md#organization-limits); `details` names each field",
                        "content": _json(out.ErrorEnvelope),
                    },
                    429: {
                        "description": "Rate limit exceeded, or the organization's open jobs or open items"
                        " at their limit; see Retry-After",
                        "content": _json(out.ErrorEnvelope),
                    },
                },
            )
        },
        exports + "{job_id}/": {
            "get": _operation(
                "Poll a bulk label-export job",
                ok=(200, out.JobStatus),
                errors=(404, 422),
                parameters=[
                    _JOB_ID,
                    {
                        "name": "If-None-Match",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string"},
                    },
                ],
                extra={304: {"description": "Not modified since the ETag given"}},
            )
        },
        exports + "{job_id}/cancel/": {
            "post": _operation(
                "Cancel a job that is not final",
                ok=(202, out.JobStatus),
                errors=(404, 409, 422),
                parameters=[_JOB_ID],
            )
        },
        f"{BASE}/labels/preview/": {
            "post": _operation(
                "Render one label as a preview (ours): a sample serial, or the lot_id/serial_id given",
                ok=(200, None),
                errors=(404, 422),
                body=PreviewRequest,
                extra={
                    200: {
                        "description": "The label's file",
                        "headers": _RATE_HEADERS,
                        "content": PREVIEW_CONTENT,
                    }
                },
            )
        },
        f"{BASE}/products/": {
            "post": _operation(
                "Create a product", ok=(201, out.ProductOut), errors=(409, 422), body=ProductIn
            ),
            "get": _operation(
                "List products",
                ok=(200, out.Page[out.ProductRow]),
                errors=(422,),
                parameters=[*_PAGING, _query("product_id", _UUID)],
            ),
        },
        f"{BASE}/lots/bulk/": {
            "post": _operation(
                "Create lots in bulk (all or nothing)",
                ok=(201, out.BulkCreated),
                errors=(404, 409, 422),
                body=LotsBulkIn,
            )
        },
        f"{BASE}/serials/bulk/": {
            "post": _operation(
                "Create serials in bulk (all or nothing)",
                ok=(201, out.BulkCreated),
                errors=(404, 409, 422),
                body=SerialsBulkIn,
            )
        },
        f"{BASE}/lots/": {
            "get": _operation(
                "List lots",
                ok=(200, out.Page[out.LotRow]),
                errors=(422,),
                parameters=[*_PAGING, _query("product_id", _UUID), _query("lot_run_id", _UUID)],
            )
        },
        f"{BASE}/serials/": {
            "get": _operation(
                "List serials",
                ok=(200, out.Page[out.SerialRow]),
                errors=(422,),
                parameters=[*_PAGING, _query("lot_id", _UUID), _query("lot_run_id", _UUID)],
            )
        },
    }
    for kind, row in (("lots", out.LotRow), ("serials", out.SerialRow)):
        paths[f"{BASE}/{kind}/{{entity_id}}/"] = {
            "patch": _operation(
                f"Activate or deactivate one of the {kind}",
                ok=(200, row),
                errors=(404, 422),
                body=ActivePatch,
                parameters=[{"name": "entity_id", "in": "path", "required": True, "schema": _UUID}],
            )
        }
    return paths


@cache
def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Label export API",
            "version": "1.0.0",
            "description": "Bulk GS1 label export (Closient-compatible), with the additions marked (ours).",
        },
        "servers": [{"url": "/"}],
        "security": [{"ApiKey": []}],
        "paths": _paths(),
        "components": {
            "schemas": _schemas()[1],
            "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        },
    }


@routes.get(OPENAPI_PATH)
async def serve_openapi(request: web.Request) -> web.Response:
    return web.Response(body=dumps(openapi_document()), content_type="application/json")

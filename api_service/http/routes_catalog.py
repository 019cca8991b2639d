"""Catalog routes (docs/contract.md#catalog): the data export filters resolve against."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from api_service.adapters import catalog_repo
from api_service.domain.catalog import ActivePatch, LotsBulkIn, ProductIn, SerialsBulkIn
from api_service.http.errors import ApiError, not_found, validation_error
from api_service.http.json_io import read_model
from api_service.http.schemas import ROW_MODELS, BulkCreated, Page, Pagination, ProductOut, model_response
from api_service.services import catalog as catalog_service
from api_service.state import DB_POOL, PRINCIPAL
from labelkit.field_errors import FieldError

routes = web.RouteTableDef()
BASE = "/products/api/v1"
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25


@routes.post(f"{BASE}/products/")
async def create_product(request: web.Request) -> web.Response:
    body = await read_model(request, ProductIn)
    org = request[PRINCIPAL].organization_id
    product_id = await catalog_repo.insert_product(
        request.app[DB_POOL], organization_id=org, gtin=body.gtin, name=body.name
    )
    if product_id is None:
        raise ApiError(
            409,
            f"a product with GTIN {body.gtin} already exists",
            details=[{"field": "gtin", "duplicates": [body.gtin]}],
        )
    return model_response(ProductOut(id=product_id, gtin=body.gtin, name=body.name), status=201)


@routes.post(f"{BASE}/lots/bulk/")
async def create_lots(request: web.Request) -> web.Response:
    body = await read_model(request, LotsBulkIn)
    result = await catalog_service.create_lots(
        pool=request.app[DB_POOL], organization_id=request[PRINCIPAL].organization_id, body=body
    )
    return _bulk_response(result)


@routes.post(f"{BASE}/serials/bulk/")
async def create_serials(request: web.Request) -> web.Response:
    body = await read_model(request, SerialsBulkIn)
    result = await catalog_service.create_serials(
        pool=request.app[DB_POOL], organization_id=request[PRINCIPAL].organization_id, body=body
    )
    return _bulk_response(result)


def _bulk_response(result: catalog_service.BulkResult) -> web.Response:
    return model_response(
        BulkCreated(lot_run_id=result.lot_run_id, created=len(result.ids), ids=result.ids), status=201
    )


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise validation_error([FieldError(name, f"must be an integer from {low} to {high}")])
    return value


def _uuid_param(request: web.Request, name: str) -> uuid.UUID | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise validation_error([FieldError(name, "must be a UUID")]) from None


def _list_handler(kind: str) -> Any:
    allowed = catalog_repo.LISTINGS[kind][2]
    row_model = ROW_MODELS[kind]

    async def handler(request: web.Request) -> web.Response:
        unknown = sorted(set(request.query) - {"page", "page_size", *allowed})
        if unknown:
            raise validation_error([FieldError(name, "unknown query parameter") for name in unknown])
        page = _int_param(request, "page", 1, 1, 10_000_000)
        page_size = _int_param(request, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
        filters = {name: v for name in allowed if (v := _uuid_param(request, name)) is not None}
        rows, total = await catalog_repo.list_page(
            request.app[DB_POOL],
            kind=kind,
            organization_id=request[PRINCIPAL].organization_id,
            filters=filters,
            page=page,
            page_size=page_size,
        )
        total_pages = (total + page_size - 1) // page_size
        return model_response(
            Page[row_model](  # type: ignore[valid-type]
                data=[row_model.model_validate(r) for r in rows],
                pagination=Pagination(
                    page=page,
                    page_size=page_size,
                    total_count=total,
                    total_pages=total_pages,
                    has_next=page < total_pages,
                    has_previous=page > 1,
                ),
            )
        )

    return handler


def _patch_handler(kind: str) -> Any:
    async def handler(request: web.Request) -> web.Response:
        try:
            entity_id = uuid.UUID(request.match_info["entity_id"])
        except ValueError:
            raise validation_error([FieldError("id", "must be a UUID")]) from None
        body = await read_model(request, ActivePatch)
        row = await catalog_repo.set_active(
            request.app[DB_POOL],
            kind=kind,
            organization_id=request[PRINCIPAL].organization_id,
            entity_id=entity_id,
            is_active=body.is_active,
        )
        if row is None:
            raise not_found(kind[:-1])
        return model_response(ROW_MODELS[kind].model_validate(row))

    return handler


for _kind in ("products", "lots", "serials"):
    routes.get(f"{BASE}/{_kind}/")(_list_handler(_kind))
for _kind in ("lots", "serials"):
    routes.patch(f"{BASE}/{_kind}/{{entity_id}}/")(_patch_handler(_kind))

"""Catalog routes (docs/contract.md#catalog): products, bulk lots and serials, paginated listings,
activation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any, Literal, TypeVar, overload

from .models import ActiveKind, BulkResult, Generate, Lot, LotInput, Page, Pagination, Product, Serial
from .transport import Transport

BASE = "/products/api/v1"
MAX_PAGE_SIZE = 100  # the server refuses more (docs/contract.md#catalog)
CREATED = frozenset({201})
T = TypeVar("T")


class CatalogRoutes:
    """Mixed into `LabelClient`; every method is one route, answers parsed into models."""

    _transport: Transport

    async def create_product(self, gtin: str, name: str) -> Product:
        """The server normalizes `gtin` to 14 digits; a duplicate GTIN is a 409 `ApiError`."""
        answer = await self._transport.request(
            "POST", f"{BASE}/products/", json={"gtin": gtin, "name": name}, ok=CREATED
        )
        return Product.from_json(answer.obj)

    async def bulk_lots(self, product_id: str, lots: Iterable[LotInput]) -> BulkResult:
        """All or nothing; a lot number the product already has is a 409 naming it."""
        body = {"product_id": product_id, "lots": [lot.to_json() for lot in lots]}
        answer = await self._transport.request("POST", f"{BASE}/lots/bulk/", json=body, ok=CREATED)
        return BulkResult.from_json(answer.obj)

    async def bulk_serials(
        self, lot_id: str, serial_numbers: Iterable[str] | None = None, *, generate: Generate | None = None
    ) -> BulkResult:
        """Either explicit `serial_numbers` or `generate` (server-numbered), exactly one of them."""
        if (serial_numbers is None) == (generate is None):
            raise ValueError("give exactly one of serial_numbers or generate")
        body: dict[str, Any] = {"lot_id": lot_id}
        if generate is not None:
            body["generate"] = {"count": generate.count, "prefix": generate.prefix}
        else:
            body["serial_numbers"] = list(serial_numbers or ())
        answer = await self._transport.request("POST", f"{BASE}/serials/bulk/", json=body, ok=CREATED)
        return BulkResult.from_json(answer.obj)

    async def list_products(self, *, page: int = 1, page_size: int = 25) -> Page[Product]:
        return await self._page("products", Product.from_json, {}, page, page_size)

    async def list_lots(
        self,
        *,
        product_id: str | None = None,
        lot_run_id: str | None = None,
        page: int = 1,
        page_size: int = 25,
    ) -> Page[Lot]:
        filters = {"product_id": product_id, "lot_run_id": lot_run_id}
        return await self._page("lots", Lot.from_json, filters, page, page_size)

    async def list_serials(
        self,
        *,
        lot_id: str | None = None,
        lot_run_id: str | None = None,
        page: int = 1,
        page_size: int = 25,
    ) -> Page[Serial]:
        filters = {"lot_id": lot_id, "lot_run_id": lot_run_id}
        return await self._page("serials", Serial.from_json, filters, page, page_size)

    def iter_products(self, *, page_size: int = MAX_PAGE_SIZE) -> AsyncIterator[Product]:
        """Every product, page after page (pages are fetched as the iteration reaches them)."""
        return self._iterate("products", Product.from_json, {}, page_size)

    def iter_lots(
        self, *, product_id: str | None = None, lot_run_id: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[Lot]:
        filters = {"product_id": product_id, "lot_run_id": lot_run_id}
        return self._iterate("lots", Lot.from_json, filters, page_size)

    def iter_serials(
        self, *, lot_id: str | None = None, lot_run_id: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[Serial]:
        filters = {"lot_id": lot_id, "lot_run_id": lot_run_id}
        return self._iterate("serials", Serial.from_json, filters, page_size)

    @overload
    async def set_active(self, kind: Literal["lots"], entity_id: str, is_active: bool) -> Lot: ...
    @overload
    async def set_active(self, kind: Literal["serials"], entity_id: str, is_active: bool) -> Serial: ...
    async def set_active(self, kind: ActiveKind, entity_id: str, is_active: bool) -> Lot | Serial:
        """Activate or deactivate a lot or serial; inactive entities are left out of exports."""
        answer = await self._transport.request(
            "PATCH", f"{BASE}/{kind}/{entity_id}/", json={"is_active": is_active}
        )
        return Lot.from_json(answer.obj) if kind == "lots" else Serial.from_json(answer.obj)

    async def _page(
        self,
        kind: str,
        parse: Callable[[Mapping[str, Any]], T],
        filters: Mapping[str, str | None],
        page: int,
        page_size: int,
    ) -> Page[T]:
        params: dict[str, str | int] = {"page": page, "page_size": page_size}
        params.update({k: v for k, v in filters.items() if v is not None})
        answer = await self._transport.request("GET", f"{BASE}/{kind}/", params=params)
        rows = answer.obj.get("data") or []
        return Page(
            tuple(parse(row) for row in rows), Pagination.from_json(answer.obj.get("pagination") or {})
        )

    async def _iterate(
        self,
        kind: str,
        parse: Callable[[Mapping[str, Any]], T],
        filters: Mapping[str, str | None],
        page_size: int,
    ) -> AsyncIterator[T]:
        page_number = 1
        while True:
            page = await self._page(kind, parse, filters, page_number, page_size)
            for item in page.data:
                yield item
            # `has_next` rather than counting: rows created meanwhile just extend the walk.
            if not page.pagination.has_next or not page.data:
                return
            page_number += 1

"""Sending a checked CSV: nothing goes out for a file with errors; refusals map back to rows."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

from label_client.catalog import CatalogRoutes
from label_client.csv_import import ParsedLots, ParsedSerials, RowError, SerialRow, parse_catalog_csv
from label_client.errors import ApiError
from label_client.import_run import import_lots, import_serials, refused_rows
from label_client.models import BulkResult, Generate, LotInput, Product

LOT_A = "0b1c9a52-5d0e-4c41-9d7a-3f7e2b8f4c11"
LOT_B = "1b1c9a52-5d0e-4c41-9d7a-3f7e2b8f4c11"


class FakeCatalog(CatalogRoutes):
    """In-memory stand-in with the server's all-or-nothing duplicate rule."""

    def __init__(self, products: Iterable[Product] = (), lots: dict[str, set[str]] | None = None) -> None:
        self.products = list(products)
        self.existing: dict[str, set[str]] = lots or {}
        self.calls: list[tuple[str, Any]] = []

    async def iter_products(self, *, page_size: int = 100) -> AsyncIterator[Product]:
        self.calls.append(("list_products", None))
        for product in list(self.products):
            yield product

    async def create_product(self, gtin: str, name: str) -> Product:
        self.calls.append(("create_product", gtin))
        product = Product(str(uuid.uuid4()), gtin, name)
        self.products.append(product)
        return product

    async def bulk_lots(self, product_id: str, lots: Iterable[LotInput]) -> BulkResult:
        numbers = [lot.lot_number for lot in lots]
        self.calls.append(("bulk_lots", numbers))
        return self._bulk(product_id, numbers, "lot_number")

    async def bulk_serials(
        self, lot_id: str, serial_numbers: Iterable[str] | None = None, *, generate: Generate | None = None
    ) -> BulkResult:
        numbers = list(serial_numbers or ())
        self.calls.append(("bulk_serials", numbers))
        if lot_id not in self.existing:
            raise ApiError(404, "NOT_FOUND", "lot not found")
        return self._bulk(lot_id, numbers, "serial_number")

    def _bulk(self, parent: str, values: list[str], field: str) -> BulkResult:
        taken = self.existing.setdefault(parent, set())
        if dup := [v for v in values if v in taken]:
            raise ApiError(409, "CONFLICT", f"duplicate {field}", [{"field": field, "duplicates": dup}])
        taken.update(values)
        return BulkResult("run", len(values), tuple(str(uuid.uuid4()) for _ in values))

    def sent(self) -> list[str]:
        return [name for name, _ in self.calls if name != "list_products"]


def lots_csv(text: str) -> ParsedLots:
    parsed = parse_catalog_csv(text, today=dt.date(2026, 6, 1))
    assert isinstance(parsed, ParsedLots)
    return parsed


def serials_csv(text: str) -> ParsedSerials:
    parsed = parse_catalog_csv(text)
    assert isinstance(parsed, ParsedSerials)
    return parsed


async def test_products_found_by_gtin_or_created_and_lots_batched() -> None:
    known = Product("p1", "09506000134352", "Aspirin")
    fake = FakeCatalog([known])
    parsed = lots_csv(
        "gtin,product_name,lot_number\n"
        "09506000134352,,A\n09506000134352,,B\n09506000134352,,C\n"
        "96385074,New thing,X\n"
    )
    report = await import_lots(fake, parsed, batch_size=2)
    assert report.ok and report.created == 4
    assert [p.gtin for p in report.products_created] == ["00000096385074"]
    assert fake.calls[1:] == [
        ("bulk_lots", ["A", "B"]),
        ("bulk_lots", ["C"]),
        ("create_product", "00000096385074"),
        ("bulk_lots", ["X"]),
    ]


async def test_a_file_with_errors_sends_nothing() -> None:
    fake = FakeCatalog()
    parsed = lots_csv("gtin,product_name,lot_number\n09506000134352,Aspirin,A\n09506000134353,B,B\n")
    report = await import_lots(fake, parsed)
    assert fake.sent() == [] and not report.sent
    assert [(e.row, e.field) for e in report.errors] == [(3, "gtin")]


async def test_a_new_product_needs_a_name_and_that_is_found_before_sending() -> None:
    fake = FakeCatalog()
    report = await import_lots(fake, lots_csv("gtin,lot_number\n09506000134352,A\n09506000134352,B\n"))
    assert fake.sent() == []
    assert [(e.row, e.field) for e in report.errors] == [(2, "product_name"), (3, "product_name")]


async def test_skip_invalid_sends_the_valid_rows() -> None:
    fake = FakeCatalog()
    parsed = lots_csv(
        "gtin,product_name,lot_number\n09506000134352,Aspirin,A\n09506000134352,Aspirin,bad lot\n"
    )
    report = await import_lots(fake, parsed, skip_invalid=True)
    assert report.created == 1 and len(report.errors) == 1 and not report.ok


async def test_dry_run_sends_nothing_but_says_what_it_would_create() -> None:
    fake = FakeCatalog()
    report = await import_lots(
        fake, lots_csv("gtin,product_name,lot_number\n09506000134352,Aspirin,A\n"), dry_run=True
    )
    assert fake.sent() == [] and report.products_to_create == ["09506000134352"] and report.ok


async def test_server_duplicates_stop_the_import_unless_skipping() -> None:
    text = f"lot_id,serial_number\n{LOT_A},S1\n{LOT_A},S2\n{LOT_B},S9\n"
    fake = FakeCatalog(lots={LOT_A: {"S2"}, LOT_B: set()})
    report = await import_serials(fake, serials_csv(text))
    assert report.stopped_early and report.created == 0
    assert report.errors == [RowError(3, "serial_number", "already exists on the server")]
    assert fake.sent() == ["bulk_serials"]  # the refused batch, then nothing more

    fake = FakeCatalog(lots={LOT_A: {"S2"}, LOT_B: set()})
    report = await import_serials(fake, serials_csv(text), skip_invalid=True)
    assert report.created == 2 and not report.stopped_early
    assert [numbers for _, numbers in fake.calls] == [["S1", "S2"], ["S1"], ["S9"]]


async def test_unknown_lot_is_reported_on_its_rows() -> None:
    fake = FakeCatalog(lots={LOT_B: set()})
    text = f"lot_id,serial_number\n{LOT_A},S1\n{LOT_B},S9\n"
    report = await import_serials(fake, serials_csv(text), skip_invalid=True)
    assert report.created == 1
    assert [(e.row, e.field) for e in report.errors] == [(2, "lot_id")]


async def test_a_service_failure_ends_the_import_with_what_was_done() -> None:
    class Down(FakeCatalog):
        async def bulk_serials(
            self,
            lot_id: str,
            serial_numbers: Iterable[str] | None = None,
            *,
            generate: Generate | None = None,
        ) -> BulkResult:
            raise ApiError(503, "SERVICE_UNAVAILABLE", "down")

    report = await import_serials(Down(), serials_csv(f"lot_id,serial_number\n{LOT_A},S1\n"))
    assert report.fatal is not None and report.fatal.status == 503 and not report.ok


def test_422_paths_map_to_rows_in_the_batch() -> None:
    batch = [SerialRow(7, LOT_A, "a"), SerialRow(9, LOT_A, "b")]
    error = ApiError(422, "VALIDATION_ERROR", "bad", [{"field": "serial_numbers.1", "message": "too long"}])
    assert refused_rows(error, batch, "serial_number") == [RowError(9, "serial_number", "too long")]

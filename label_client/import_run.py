"""Sending a validated catalog CSV: products by GTIN, then lots or serials in bulk batches.

Guarantee: a file with any invalid row sends nothing unless `skip_invalid` (local validation and
the GTIN → product lookup all happen first). The server can still refuse a batch (a lot number
that already exists, an unknown lot id); each batch is all-or-nothing there, so the import stops
at the first refused batch, or, with `skip_invalid`, drops the refused rows and goes on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .catalog import CatalogRoutes
from .csv_import import CsvKind, LotRow, ParsedLots, ParsedSerials, RowError, SerialRow
from .errors import ApiError
from .models import LotInput, Product

# Bulk routes take 100,000 entities, but the API also caps bodies at 1 MiB by default; 5,000
# rows stay far below that whatever the lot numbers look like.
DEFAULT_BATCH_SIZE = 5000
ROW_LEVEL_STATUSES = frozenset({404, 409, 422})  # refusals that are about the rows, not the service

Log = Callable[[str], object]
R = TypeVar("R", LotRow, SerialRow)


@dataclass
class ImportReport:
    kind: CsvKind
    valid_rows: int
    dry_run: bool = False
    products_created: list[Product] = field(default_factory=list)
    products_to_create: list[str] = field(default_factory=list)
    created: int = 0  # lots or serials
    errors: list[RowError] = field(default_factory=list)
    sent: bool = False
    stopped_early: bool = False
    fatal: ApiError | None = None  # a service/network failure that ended the import

    @property
    def ok(self) -> bool:
        return not self.errors and self.fatal is None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "valid_rows": self.valid_rows,
            "dry_run": self.dry_run,
            "sent": self.sent,
            "products_created": [{"id": p.id, "gtin": p.gtin, "name": p.name} for p in self.products_created],
            "products_to_create": self.products_to_create,
            "created": self.created,
            "stopped_early": self.stopped_early,
            "errors": [{"row": e.row, "field": e.field, "message": e.message} for e in self.errors],
            "fatal": str(self.fatal) if self.fatal else None,
        }


class _Stop(Exception):
    """A batch was refused and the caller did not ask to skip invalid rows."""


async def import_lots(
    client: CatalogRoutes,
    parsed: ParsedLots,
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    log: Log | None = None,
) -> ImportReport:
    report = ImportReport("lots", valid_rows=len(parsed.rows), dry_run=dry_run, errors=list(parsed.errors))
    groups = _group(parsed.rows, key=lambda r: r.gtin)
    if not groups:
        return report
    try:
        # The products route has no GTIN filter, so the whole list is the lookup table.
        existing = {p.gtin: p async for p in client.iter_products()}
    except ApiError as exc:
        report.fatal = exc
        return report
    for gtin, rows in list(groups.items()):
        if gtin not in existing and not rows[0].product_name:
            report.errors.extend(
                RowError(
                    r.row,
                    "product_name",
                    f"is empty; GTIN {gtin} has no product yet and creating one needs a name",
                )
                for r in rows
            )
            del groups[gtin]
    report.products_to_create = [g for g in groups if g not in existing]
    if dry_run or (report.errors and not skip_invalid):
        return report
    try:
        for gtin, rows in groups.items():
            product = existing.get(gtin)
            if product is None:
                report.sent = True
                product = await client.create_product(gtin, rows[0].product_name)
                report.products_created.append(product)
                _say(log, f"created product {gtin} ({product.name})")
            product_id = product.id

            async def send(batch: Sequence[LotRow], product_id: str = product_id) -> int:
                lots = [LotInput(r.lot_number, r.expiry_date) for r in batch]
                return (await client.bulk_lots(product_id, lots)).created

            await _send_batches(report, rows, send, batch_size, skip_invalid, "lot_number", "lots", log)
    except _Stop:
        report.stopped_early = True
    except ApiError as exc:
        report.fatal = exc
    return report


async def import_serials(
    client: CatalogRoutes,
    parsed: ParsedSerials,
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    log: Log | None = None,
) -> ImportReport:
    report = ImportReport("serials", valid_rows=len(parsed.rows), dry_run=dry_run, errors=list(parsed.errors))
    groups = _group(parsed.rows, key=lambda r: r.lot_id)
    if dry_run or not groups or (report.errors and not skip_invalid):
        return report
    try:
        for lot_id, rows in groups.items():

            async def send(batch: Sequence[SerialRow], lot_id: str = lot_id) -> int:
                return (await client.bulk_serials(lot_id, [r.serial_number for r in batch])).created

            await _send_batches(report, rows, send, batch_size, skip_invalid, "serial_number", "serials", log)
    except _Stop:
        report.stopped_early = True
    except ApiError as exc:
        report.fatal = exc
    return report


async def _send_batches(
    report: ImportReport,
    rows: Sequence[R],
    send: Callable[[Sequence[R]], Awaitable[int]],
    batch_size: int,
    skip_invalid: bool,
    value_field: str,
    what: str,
    log: Log | None,
) -> None:
    for start in range(0, len(rows), batch_size):
        batch = list(rows[start : start + batch_size])
        while batch:
            report.sent = True
            try:
                created = await send(batch)
            except ApiError as exc:
                if exc.status not in ROW_LEVEL_STATUSES:
                    raise
                refused = refused_rows(exc, batch, value_field)
                report.errors.extend(refused)
                if not skip_invalid:
                    raise _Stop from exc
                bad = {e.row for e in refused}
                # Only a 409 names exactly which rows; anything else takes the whole batch down.
                batch = [r for r in batch if r.row not in bad] if exc.status == 409 else []
                continue
            report.created += created
            _say(log, f"created {created} {what} (rows {batch[0].row}-{batch[-1].row})")
            break


def refused_rows(error: ApiError, batch: Sequence[LotRow | SerialRow], value_field: str) -> list[RowError]:
    """The rows of `batch` a refusal names, as row errors. Pure.

    409 details list the duplicate values (`{"field", "duplicates"}`); 422 details give dotted
    paths whose second part is the index in the batch (`lots.3.lot_number`). A refusal that names
    nothing (404: the product or lot is gone) applies to every row.
    """
    details = error.details if isinstance(error.details, list) else []
    if error.status == 409:
        dup = {str(v) for d in details if isinstance(d, dict) for v in d.get("duplicates") or []}
        hits = [r for r in batch if _value(r) in dup]
        if hits:
            return [RowError(r.row, value_field, "already exists on the server") for r in hits]
    if error.status == 422:
        found: list[RowError] = []
        for d in details:
            parts = str(d.get("field", "")).split(".") if isinstance(d, dict) else []
            if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(batch):
                name = parts[-1] if not parts[-1].isdigit() else value_field
                found.append(RowError(batch[int(parts[1])].row, name, str(d.get("message", "refused"))))
        if found:
            return found
    field_name = "lot_id" if isinstance(batch[0], SerialRow) and error.status == 404 else "row"
    return [RowError(r.row, field_name, f"refused by the server: {error.message}") for r in batch]


def _value(row: LotRow | SerialRow) -> str:
    return row.lot_number if isinstance(row, LotRow) else row.serial_number


def _group(rows: Sequence[R], *, key: Callable[[R], str]) -> dict[str, list[R]]:
    groups: dict[str, list[R]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups


def _say(log: Log | None, message: str) -> None:
    if log is not None:
        log(message)

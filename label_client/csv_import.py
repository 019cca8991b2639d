"""Catalog CSV files: header checks, per-row GS1 validation and in-file duplicates. Pure.

Two shapes are understood, told apart by their header:

- lots: `gtin,lot_number` and optionally `product_name`, `expiry_date` (ISO `YYYY-MM-DD`);
- serials: `lot_id,serial_number`.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first data row is row 2
(blank lines count too, so the numbers stay aligned with the file). Every problem of a row is
reported, not only the first, so one edit pass can fix them all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, Protocol

from labelkit.gs1 import GS1ValidationError, expiry_yymmdd, normalize_gtin, validate_lot, validate_serial

CsvKind = Literal["lots", "serials"]
LOT_REQUIRED = ("gtin", "lot_number")
LOT_OPTIONAL = ("product_name", "expiry_date")
SERIAL_REQUIRED = ("lot_id", "serial_number")
MAX_PRODUCT_NAME = 200  # the server's limit (catalog ProductIn)


class CsvFormatError(ValueError):
    """The file as a whole is unusable (unreadable, no header, wrong columns)."""


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class LotRow:
    row: int
    gtin: str  # normalized to 14 digits
    product_name: str
    lot_number: str
    expiry_date: dt.date | None


@dataclass(frozen=True, slots=True)
class SerialRow:
    row: int
    lot_id: str  # canonical lowercase UUID
    serial_number: str


@dataclass(frozen=True, slots=True)
class ParsedLots:
    rows: tuple[LotRow, ...]
    errors: tuple[RowError, ...]
    kind: Literal["lots"] = "lots"


@dataclass(frozen=True, slots=True)
class ParsedSerials:
    rows: tuple[SerialRow, ...]
    errors: tuple[RowError, ...]
    kind: Literal["serials"] = "serials"


ParsedCsv = ParsedLots | ParsedSerials


def read_catalog_csv(path: Path, *, today: dt.date | None = None) -> ParsedCsv:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CsvFormatError(f"cannot read {path}: {exc}") from exc
    return parse_catalog_csv(text, today=today)


def parse_catalog_csv(text: str, *, today: dt.date | None = None) -> ParsedCsv:
    # A byte-order mark (spreadsheets save one) would otherwise join the first column's name.
    records = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    if not records or not any(cell.strip() for cell in records[0]):
        raise CsvFormatError("the file is empty; the first row must be a header")
    header = [cell.strip().lower() for cell in records[0]]
    kind = detect_kind(header)
    body = records[1:]
    if kind == "lots":
        return _parse_lots(header, body, today or dt.date.today())
    return _parse_serials(header, body)


def detect_kind(header: Sequence[str]) -> CsvKind:
    """Which CSV this is, or `CsvFormatError` naming what is wrong with the header."""
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise CsvFormatError(f"column {name!r} appears twice in the header")
        seen.add(name)
    if "serial_number" in seen:
        kind: CsvKind = "serials"
        required: tuple[str, ...] = SERIAL_REQUIRED
        allowed: tuple[str, ...] = SERIAL_REQUIRED
    elif "lot_number" in seen:
        kind = "lots"
        required, allowed = LOT_REQUIRED, LOT_REQUIRED + LOT_OPTIONAL
    else:
        raise CsvFormatError(
            "cannot tell the kind of file: a lots CSV has columns "
            f"{','.join(LOT_REQUIRED + LOT_OPTIONAL)}; a serials CSV has {','.join(SERIAL_REQUIRED)}"
        )
    if missing := [c for c in required if c not in seen]:
        raise CsvFormatError(f"{kind} CSV is missing column(s): {', '.join(missing)}")
    # Unknown columns are refused rather than ignored: a typo like `expiry` would otherwise drop
    # every expiry date without a word.
    if unknown := [c for c in header if c not in allowed]:
        raise CsvFormatError(
            f"unknown column(s) in a {kind} CSV: {', '.join(unknown)} (allowed: {', '.join(allowed)})"
        )
    return kind


def _cells(header: list[str], record: list[str], row: int, errors: list[RowError]) -> dict[str, str] | None:
    """The record as column → stripped value, or None for a blank line."""
    if not any(cell.strip() for cell in record):
        return None
    if len(record) > len(header):
        errors.append(RowError(row, "row", f"has {len(record)} cells but the header has {len(header)}"))
    # Outer whitespace is never valid GS1 data, so trimming it cannot turn a good value bad.
    return {name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(header)}


def _parse_lots(header: list[str], records: list[list[str]], today: dt.date) -> ParsedLots:
    rows: list[LotRow] = []
    errors: list[RowError] = []
    first_seen: dict[tuple[str, str], int] = {}
    names: dict[str, tuple[int, str]] = {}  # gtin → (row, product_name) of its first named row
    for row, record in enumerate(records, start=2):
        row_errors: list[RowError] = []
        cells = _cells(header, record, row, row_errors)
        if cells is None:
            continue
        gtin = _gs1(row_errors, row, normalize_gtin, cells["gtin"], "gtin")
        lot = _gs1(row_errors, row, validate_lot, cells["lot_number"], "lot_number")
        expiry = _expiry(row_errors, row, cells.get("expiry_date", ""), today)
        name = cells.get("product_name", "")
        if len(name) > MAX_PRODUCT_NAME:
            row_errors.append(RowError(row, "product_name", f"has {len(name)} characters; at most 200"))
        if gtin is not None and name:
            first = names.setdefault(gtin, (row, name))
            if first[1] != name:
                row_errors.append(
                    RowError(row, "product_name", f"{name!r} differs from {first[1]!r} on row {first[0]}")
                )
        if gtin is not None and lot is not None:
            earlier = first_seen.setdefault((gtin, lot), row)
            if earlier != row:
                row_errors.append(RowError(row, "lot_number", f"duplicate of row {earlier} (same GTIN)"))
        if row_errors or gtin is None or lot is None:
            errors.extend(row_errors)
            continue
        rows.append(LotRow(row, gtin, name, lot, expiry))
    # A product named on a later row still names the rows before it.
    named = [r if r.product_name else replace(r, product_name=names.get(r.gtin, (0, ""))[1]) for r in rows]
    return ParsedLots(tuple(named), tuple(errors))


def _parse_serials(header: list[str], records: list[list[str]]) -> ParsedSerials:
    rows: list[SerialRow] = []
    errors: list[RowError] = []
    first_seen: dict[tuple[str, str], int] = {}
    for row, record in enumerate(records, start=2):
        row_errors: list[RowError] = []
        cells = _cells(header, record, row, row_errors)
        if cells is None:
            continue
        lot_id = _uuid(row_errors, row, cells["lot_id"])
        serial = _gs1(row_errors, row, validate_serial, cells["serial_number"], "serial_number")
        if lot_id is not None and serial is not None:
            earlier = first_seen.setdefault((lot_id, serial), row)
            if earlier != row:
                row_errors.append(RowError(row, "serial_number", f"duplicate of row {earlier} (same lot)"))
        if row_errors or lot_id is None or serial is None:
            errors.extend(row_errors)
            continue
        rows.append(SerialRow(row, lot_id, serial))
    return ParsedSerials(tuple(rows), tuple(errors))


class _Validator(Protocol):
    def __call__(self, value: str, *, field: str) -> str: ...


def _gs1(errors: list[RowError], row: int, check: _Validator, value: str, field: str) -> str | None:
    """The value as the shared GS1 rules return it, or None with the reason recorded."""
    try:
        return check(value, field=field)
    except GS1ValidationError as exc:
        errors.append(RowError(row, exc.field, exc.reason))
        return None


def _expiry(errors: list[RowError], row: int, value: str, today: dt.date) -> dt.date | None:
    if not value:
        return None
    try:
        # Only the dashed form: fromisoformat also takes `20270331`, which people rarely mean.
        if len(value) != 10 or value[4] != "-" or value[7] != "-":
            raise ValueError
        date = dt.date.fromisoformat(value)
    except ValueError:
        errors.append(RowError(row, "expiry_date", f"{value!r} is not a date in YYYY-MM-DD form"))
        return None
    try:
        # AI 17 carries a two-digit year; refuse dates a reader would put in another century.
        expiry_yymmdd(date, field="expiry_date", today=today)
    except GS1ValidationError as exc:
        errors.append(RowError(row, exc.field, exc.reason))
        return None
    return date


def _uuid(errors: list[RowError], row: int, value: str) -> str | None:
    if not value:
        errors.append(RowError(row, "lot_id", "is empty; a lot id (UUID) is required"))
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        errors.append(RowError(row, "lot_id", f"{value!r} is not a UUID"))
        return None

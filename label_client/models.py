"""Typed answers and inputs of the API (docs/contract.md), parsed leniently from JSON.

Parsing keeps unknown fields out of the typed attributes but never fails on them:
docs/contract.md#status-and-polling lets the server add fields, and a client must not break when it does.
`raw` keeps the body as sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypedDict, TypeVar

Scope = Literal["lots", "serials", "products"]
ExportType = Literal["qr_codes", "datamatrix", "barcodes_1d", "codes_combined", "sheet_pdf"]
FileFormat = Literal["svg", "png", "pdf", "eps"]
ActiveKind = Literal["lots", "serials"]

SCOPES: tuple[Scope, ...] = ("lots", "serials", "products")
EXPORT_TYPES: tuple[ExportType, ...] = (
    "qr_codes",
    "datamatrix",
    "barcodes_1d",
    "codes_combined",
    "sheet_pdf",
)
FILE_FORMATS: tuple[FileFormat, ...] = ("svg", "png", "pdf", "eps")
TERMINAL_STATES = frozenset({"completed", "failed", "cancelled"})


class ExportFilters(TypedDict, total=False):
    """The filters (docs/contract.md#filters); every key optional, all combine with AND."""

    gtins: list[str]
    product_id: str
    lot_ids: list[str]
    serial_ids: list[str]
    lot_run_id: str
    never_printed: bool
    expiry_from: str
    expiry_to: str


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value is None else str(value)


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ExportReceipt:
    """The 202 answer of a submit (docs/contract.md#export-request)."""

    job_id: str
    status: str
    poll_url: str
    retry_after: float | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, retry_after: float | None = None) -> ExportReceipt:
        return cls(_str(data, "job_id"), _str(data, "status"), _str(data, "poll_url"), retry_after)


@dataclass(frozen=True, slots=True)
class JobStatus:
    """The poll answer (docs/contract.md#status-and-polling): the ten promised fields plus the extras the
    server sends."""

    job_id: str
    status: str
    total_items: int
    processed_items: int
    progress_percent: int
    download_url: str | None
    expires_at: dt.datetime | None
    output_filename: str | None
    file_size_bytes: int
    error: str | None
    scope: str | None = None
    export_type: str | None = None
    file_format: str | None = None
    created_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    # Not sent today; the completed event carries it, so the server may expose it. When present,
    # `download` verifies the artifact against it as well as against the size.
    sha256: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobStatus:
        return cls(
            job_id=_str(data, "job_id"),
            status=_str(data, "status"),
            total_items=_int(data, "total_items"),
            processed_items=_int(data, "processed_items"),
            progress_percent=_int(data, "progress_percent"),
            download_url=_opt_str(data, "download_url"),
            expires_at=_datetime(data.get("expires_at")),
            output_filename=_opt_str(data, "output_filename"),
            file_size_bytes=_int(data, "file_size_bytes"),
            error=_opt_str(data, "error"),
            scope=_opt_str(data, "scope"),
            export_type=_opt_str(data, "export_type"),
            file_format=_opt_str(data, "file_format"),
            created_at=_datetime(data.get("created_at")),
            completed_at=_datetime(data.get("completed_at")),
            sha256=_opt_str(data, "sha256"),
            raw=dict(data),
        )

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATES

    @property
    def is_completed(self) -> bool:
        return self.status == "completed"

    @property
    def is_cancelled(self) -> bool:
        # docs/contract.md#cancel: a cancelled job ends `failed` with an `error` saying so; there is no
        # separate machine-readable marker yet, so the wording is all a client has. A future `cancelled`
        # status is accepted too.
        if self.status == "cancelled":
            return True
        return self.status == "failed" and "cancel" in (self.error or "").lower()

    @property
    def is_failed(self) -> bool:
        return self.status == "failed" and not self.is_cancelled


@dataclass(frozen=True, slots=True)
class DownloadResult:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    gtin: str
    name: str
    created_at: dt.datetime | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Product:
        return cls(
            _str(data, "id"), _str(data, "gtin"), _str(data, "name"), _datetime(data.get("created_at"))
        )


@dataclass(frozen=True, slots=True)
class Lot:
    id: str
    product_id: str
    lot_number: str
    expiry_date: dt.date | None
    is_active: bool
    lot_run_id: str | None
    created_at: dt.datetime | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Lot:
        return cls(
            id=_str(data, "id"),
            product_id=_str(data, "product_id"),
            lot_number=_str(data, "lot_number"),
            expiry_date=_date(data.get("expiry_date")),
            is_active=bool(data.get("is_active", True)),
            lot_run_id=_opt_str(data, "lot_run_id"),
            created_at=_datetime(data.get("created_at")),
        )


@dataclass(frozen=True, slots=True)
class Serial:
    id: str
    lot_id: str
    serial_number: str
    is_active: bool
    lot_run_id: str | None
    created_at: dt.datetime | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Serial:
        return cls(
            id=_str(data, "id"),
            lot_id=_str(data, "lot_id"),
            serial_number=_str(data, "serial_number"),
            is_active=bool(data.get("is_active", True)),
            lot_run_id=_opt_str(data, "lot_run_id"),
            created_at=_datetime(data.get("created_at")),
        )


@dataclass(frozen=True, slots=True)
class BulkResult:
    """201 of a bulk create (docs/contract.md#catalog): ids in request order."""

    lot_run_id: str
    created: int
    ids: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BulkResult:
        ids = data.get("ids")
        return cls(
            _str(data, "lot_run_id"),
            _int(data, "created"),
            tuple(str(i) for i in ids) if isinstance(ids, list) else (),
        )


@dataclass(frozen=True, slots=True)
class LotInput:
    lot_number: str
    expiry_date: dt.date | str | None = None

    def to_json(self) -> dict[str, str]:
        body = {"lot_number": self.lot_number}
        if self.expiry_date is not None:
            expiry = self.expiry_date
            body["expiry_date"] = expiry.isoformat() if isinstance(expiry, dt.date) else expiry
        return body


@dataclass(frozen=True, slots=True)
class Generate:
    """Serials the server numbers itself: `prefix` + a zero-padded counter."""

    count: int
    prefix: str = ""


@dataclass(frozen=True, slots=True)
class Pagination:
    page: int
    page_size: int
    total_count: int
    total_pages: int
    has_next: bool
    has_previous: bool

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Pagination:
        return cls(
            page=_int(data, "page"),
            page_size=_int(data, "page_size"),
            total_count=_int(data, "total_count"),
            total_pages=_int(data, "total_pages"),
            has_next=bool(data.get("has_next")),
            has_previous=bool(data.get("has_previous")),
        )


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    data: tuple[T, ...]
    pagination: Pagination

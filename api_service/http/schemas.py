"""Response models. Handlers answer through them and the OpenAPI document is generated from them,
so the document cannot drift from what the API sends."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Generic, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from api_service.http.json_io import dumps

JobState = Literal["pending", "processing", "completed", "failed"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(_Out):
    code: str
    message: str
    status: int
    details: list[dict[str, Any]] | None


class ErrorEnvelope(_Out):
    error: ErrorBody


class ExportReceipt(_Out):
    job_id: str
    status: Literal["pending"]
    poll_url: str


class JobStatus(_Out):
    job_id: str
    status: JobState
    total_items: int
    processed_items: int
    progress_percent: int
    download_url: str | None
    expires_at: dt.datetime | None
    output_filename: str | None
    file_size_bytes: int
    sha256: str | None  # ours: SHA-256 of the artifact, to verify a download
    error: str | None
    scope: str
    export_type: str
    file_format: str
    created_at: dt.datetime | None
    completed_at: dt.datetime | None
    # ours: thermal_labels only, the module size actually printed (whole printer dots), in mm.
    x_dimension_mm: float | None


class ProductOut(_Out):
    id: uuid.UUID
    gtin: str
    name: str


class ProductRow(ProductOut):
    created_at: dt.datetime


class LotRow(_Out):
    id: uuid.UUID
    product_id: uuid.UUID
    lot_number: str
    expiry_date: dt.date | None
    is_active: bool
    lot_run_id: uuid.UUID | None
    created_at: dt.datetime


class SerialRow(_Out):
    id: uuid.UUID
    lot_id: uuid.UUID
    serial_number: str
    is_active: bool
    lot_run_id: uuid.UUID | None
    created_at: dt.datetime


class BulkCreated(_Out):
    lot_run_id: uuid.UUID
    created: int
    ids: list[uuid.UUID]


class Pagination(_Out):
    page: int
    page_size: int
    total_count: int
    total_pages: int
    has_next: bool
    has_previous: bool


Row = TypeVar("Row", bound=_Out)


class Page(_Out, Generic[Row]):
    data: list[Row]
    pagination: Pagination


ROW_MODELS: dict[str, type[_Out]] = {"products": ProductRow, "lots": LotRow, "serials": SerialRow}


def model_response(
    model: BaseModel, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=dumps(model.model_dump(mode="json")),
        status=status,
        content_type="application/json",
        headers=headers,
    )

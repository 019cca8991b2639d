"""Typed async client and `labels` CLI for the bulk GS1 label-export API (docs/contract.md)."""

from .backoff import PollPolicy
from .client import LabelClient, WaitTimeout
from .errors import ApiError, DownloadError, NetworkError
from .models import (
    BulkResult,
    DownloadResult,
    ExportFilters,
    ExportReceipt,
    ExportType,
    FileFormat,
    Generate,
    JobStatus,
    Lot,
    LotInput,
    Page,
    Pagination,
    Product,
    Scope,
    Serial,
)

__all__ = [
    "ApiError",
    "BulkResult",
    "DownloadError",
    "DownloadResult",
    "ExportFilters",
    "ExportReceipt",
    "ExportType",
    "FileFormat",
    "Generate",
    "JobStatus",
    "LabelClient",
    "Lot",
    "LotInput",
    "NetworkError",
    "Page",
    "Pagination",
    "PollPolicy",
    "Product",
    "Scope",
    "Serial",
    "WaitTimeout",
]

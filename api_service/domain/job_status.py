"""The status body polling clients see (docs/contract.md#status-and-polling), computed from a read-model row.
Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from labelkit.rendering.printer_batch import job_printer_setup
from labelkit.thermal_spec import x_dimension_mm
from shared.ownership import key_is_the_jobs

TERMINAL = frozenset({"completed", "failed"})

# Ours: what a completed job whose artifact key lies outside its own prefix shows instead.
UNSERVABLE_ARTIFACT = "its artifact cannot be served: the recorded key is outside this job's own objects"


def progress_percent(*, status: str, processed: int, total: int) -> int:
    if status == "completed":
        return 100
    if total <= 0:
        return 0
    return min(100, processed * 100 // total)


def artifact_servable(row: Mapping[str, Any]) -> bool:
    """Whether a completed row's artifact key is one of its job's own objects, under
    `exports/{the job's organization}/{job_id}/` (tenancy). The projection records no other key;
    this also covers rows recorded before it checked."""
    return key_is_the_jobs(
        row["artifact_key"] or "", organization_id=row["organization_id"], job_id=row["job_id"]
    )


def status_body(row: Mapping[str, Any]) -> dict[str, Any]:
    """All ten contract fields plus our extras; the download URL is filled in by the caller.

    A completed job whose artifact key is not its own shows as `failed`, saying so: no link is
    offered, and no field claims an artifact the job cannot deliver (docs/contract.md).
    """
    status = row["status"]
    error = row["error"]
    if status == "completed" and not artifact_servable(row):
        status, error = "failed", UNSERVABLE_ARTIFACT
    completed = status == "completed"
    return {
        "job_id": row["job_id"],
        "status": status,
        "total_items": row["total_items"],
        "processed_items": row["total_items"] if completed else row["processed_items"],
        "progress_percent": progress_percent(
            status=status, processed=row["processed_items"], total=row["total_items"]
        ),
        "download_url": None,
        "expires_at": None,
        "output_filename": row["output_filename"] if completed else None,
        "file_size_bytes": row["file_size_bytes"] if completed else 0,
        "sha256": row["sha256"] if completed else None,
        "error": error if status == "failed" else None,
        "scope": row["scope"],
        "export_type": row["export_type"],
        "file_format": row["file_format"],
        "created_at": row["created_at"],
        "completed_at": row["completed_at"],
        "x_dimension_mm": _thermal_x_dimension(row),
    }


def _thermal_x_dimension(row: Mapping[str, Any]) -> float | None:
    """The achieved X-dimension of a thermal_labels job, from its stored asset_config by the
    rules its ZPL writer uses (so it equals every label's `^FX ... x_mm=`); None for other types."""
    if row["export_type"] != "thermal_labels":
        return None
    return x_dimension_mm(job_printer_setup(row["asset_config"]))


def etag_for(body: Mapping[str, Any]) -> str:
    """Strong ETag over everything but the freshly minted URL and its expiry."""
    stable = {k: v for k, v in body.items() if k not in ("download_url", "expires_at")}
    digest = hashlib.sha256(orjson.dumps(stable, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()[:32]
    return f'"{digest}"'

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from api_service.domain.job_status import UNSERVABLE_ARTIFACT, etag_for, progress_percent, status_body

ORG = uuid.UUID("9a1c0f1e-0000-4000-8000-000000000001")
OTHER_ORG = uuid.UUID("9a1c0f1e-0000-4000-8000-000000000002")

CONTRACT_FIELDS = {
    "job_id",
    "status",
    "total_items",
    "processed_items",
    "progress_percent",
    "download_url",
    "expires_at",
    "output_filename",
    "file_size_bytes",
    "error",
}


def row(**changes: Any) -> dict[str, Any]:
    base = {
        "job_id": "A" * 22,
        "organization_id": ORG,
        "artifact_key": None,
        "status": "processing",
        "total_items": 7,
        "processed_items": 3,
        "output_filename": None,
        "file_size_bytes": 0,
        "sha256": None,
        "error": None,
        "scope": "lots",
        "export_type": "datamatrix",
        "file_format": "png",
        "created_at": dt.datetime(2026, 11, 29, tzinfo=dt.UTC),
        "completed_at": None,
    }
    return base | changes


def test_progress_percent_rules() -> None:
    assert progress_percent(status="processing", processed=3, total=7) == 42
    assert progress_percent(status="processing", processed=9, total=7) == 100
    assert progress_percent(status="pending", processed=0, total=0) == 0
    assert progress_percent(status="completed", processed=0, total=0) == 100


def test_all_ten_fields_always_present() -> None:
    body = status_body(row())
    assert body.keys() >= CONTRACT_FIELDS
    assert body["download_url"] is None and body["output_filename"] is None and body["file_size_bytes"] == 0


def test_completed_reports_everything_processed() -> None:
    body = status_body(
        row(
            status="completed",
            processed_items=5,
            output_filename="x.zip",
            file_size_bytes=10,
            artifact_key=f"exports/{ORG}/{'A' * 22}/x.zip",
        )
    )
    assert (
        body["processed_items"] == 7
        and body["progress_percent"] == 100
        and body["output_filename"] == "x.zip"
    )


def test_etag_ignores_the_url_but_not_progress() -> None:
    body = status_body(row())
    with_url = body | {"download_url": "http://x", "expires_at": "later"}
    assert etag_for(body) == etag_for(with_url)
    assert etag_for(body) != etag_for(status_body(row(processed_items=4)))


def test_thermal_status_carries_the_achieved_x_dimension() -> None:
    """round(module_mm × dpi / 25.4) whole dots, back in mm: what every ^FX line says too."""
    thermal = {"export_type": "thermal_labels", "file_format": "zpl"}
    # Defaults: DataMatrix 0.5 mm at 203 dpi is 4 dots = 0.5 mm.
    assert status_body(row(**thermal, asset_config={}))["x_dimension_mm"] == 0.5
    # 0.5 mm at 300 dpi is 5.9 dots → 6 dots = 0.508 mm.
    assert status_body(row(**thermal, asset_config={"printer_dpi": 300}))["x_dimension_mm"] == 0.508
    # 0.33 mm at 600 dpi is 7.8 dots → 8 dots = 0.339 mm.
    config = {"printer_dpi": 600, "symbol": "gs1_128", "label_size_mm": {"width": 100.0, "height": 40.0}}
    assert status_body(row(**thermal, asset_config=config))["x_dimension_mm"] == 0.339
    # Never 0 dots: 0.05 mm at 203 dpi is 1 dot = 0.125 mm.
    config = {"module_mm": 0.05}
    assert status_body(row(**thermal, asset_config=config))["x_dimension_mm"] == 0.125
    assert status_body(row())["x_dimension_mm"] is None


def test_a_completed_job_whose_key_is_not_its_own_shows_failed_without_artifact() -> None:
    """The status route presigns only what status_body shows completed (tenancy)."""
    for key in (
        f"exports/{OTHER_ORG}/{'A' * 22}/x.zip",  # another organization's prefix
        f"exports/{ORG}/{'B' * 22}/x.zip",  # another job of the same organization
        f"exports/{ORG}/{'A' * 22}/",  # the prefix itself: no object
        f"exports/{ORG}/{'A' * 22}",  # no trailing slash: another job whose id starts alike
        "",
        None,
    ):
        body = status_body(
            row(
                status="completed",
                artifact_key=key,
                output_filename="x.zip",
                file_size_bytes=10,
                sha256="0" * 64,
            )
        )
        assert body["status"] == "failed" and body["error"] == UNSERVABLE_ARTIFACT, key
        assert body["output_filename"] is None and body["sha256"] is None and body["file_size_bytes"] == 0
        assert body["progress_percent"] < 100 and body["download_url"] is None

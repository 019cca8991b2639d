"""The error envelope and the answer models are read leniently but faithfully."""

from __future__ import annotations

import datetime as dt

import pytest

from label_client.download import verify
from label_client.errors import ApiError, DownloadError, error_from_answer
from label_client.models import JobStatus, LotInput, Page, Pagination


def test_envelope_becomes_api_error() -> None:
    body = {
        "error": {
            "code": "VALIDATION_ERROR",
            "message": "request validation failed",
            "status": 422,
            "details": [{"field": "filters.gtins.0", "message": "check digit is 3 but should be 2"}],
        }
    }
    err = error_from_answer(422, body)
    assert (err.status, err.code, err.message) == (422, "VALIDATION_ERROR", "request validation failed")
    assert err.field_errors == [("filters.gtins.0", "check digit is 3 but should be 2")]
    assert str(err) == "HTTP 422 VALIDATION_ERROR: request validation failed"


def test_a_body_without_envelope_still_gives_a_stable_code() -> None:
    err = error_from_answer(502, None, "<html>\n<h1>Bad   Gateway</h1></html>")
    assert err.code == "HTTP_502" and err.message == "<html> <h1>Bad Gateway</h1></html>"
    assert err.field_errors == []


def test_conflict_details_are_kept() -> None:
    body = {
        "error": {
            "code": "CONFLICT",
            "message": "dup",
            "status": 409,
            "details": [{"field": "lot_number", "duplicates": ["L1"]}],
        }
    }
    assert error_from_answer(409, body).details == [{"field": "lot_number", "duplicates": ["L1"]}]


def test_status_parses_spec_fields_and_tolerates_extras() -> None:
    status = JobStatus.from_json(
        {
            "job_id": "7Hq3mZx9TbWcYdKpRfLs2A",
            "status": "completed",
            "total_items": 3,
            "processed_items": 3,
            "progress_percent": 100,
            "download_url": "http://s3/x.zip?sig=1",
            "expires_at": "2026-11-28T11:15:00+00:00",
            "output_filename": "datamatrix-lots-7Hq3-3.zip",
            "file_size_bytes": 1234,
            "error": None,
            "something_new": {"nested": True},
        }
    )
    assert status.is_completed and status.is_terminal and not status.is_failed
    assert status.expires_at == dt.datetime(2026, 11, 28, 11, 15, tzinfo=dt.UTC)
    assert status.sha256 is None and status.raw["something_new"] == {"nested": True}


def test_status_with_missing_fields_does_not_crash() -> None:
    status = JobStatus.from_json(
        {"job_id": "x", "status": "pending", "total_items": None, "expires_at": "junk"}
    )
    assert (status.total_items, status.expires_at, status.is_terminal) == (0, None, False)


def test_lot_input_json() -> None:
    assert LotInput("L1").to_json() == {"lot_number": "L1"}
    assert LotInput("L1", dt.date(2027, 3, 31)).to_json() == {"lot_number": "L1", "expiry_date": "2027-03-31"}


def test_page_is_generic() -> None:
    page: Page[int] = Page(
        (1, 2),
        Pagination.from_json(
            {"page": 1, "page_size": 2, "total_count": 5, "total_pages": 3, "has_next": True}
        ),
    )
    assert page.pagination.has_next and not page.pagination.has_previous


def test_verify_size_and_checksum() -> None:
    verify(size=10, sha256="ab", expected_size=10, expected_sha256="AB")
    verify(size=10, sha256="ab", expected_size=None, expected_sha256=None)
    with pytest.raises(DownloadError) as size:
        verify(size=9, sha256="ab", expected_size=10, expected_sha256=None)
    assert size.value.code == "SIZE_MISMATCH" and isinstance(size.value, ApiError)
    with pytest.raises(DownloadError) as digest:
        verify(size=10, sha256="ab", expected_size=10, expected_sha256="cd")
    assert digest.value.code == "CHECKSUM_MISMATCH"

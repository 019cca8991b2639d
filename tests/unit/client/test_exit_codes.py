"""Exit codes scripts rely on, from job states and API errors."""

from __future__ import annotations

from typing import Any

import pytest

from label_client.errors import ApiError, NetworkError
from label_client.exit_codes import ExitCode, for_error, for_status
from label_client.models import JobStatus


def status(state: str, error: str | None = None, **extra: Any) -> JobStatus:
    return JobStatus.from_json({"job_id": "J" * 22, "status": state, "error": error, **extra})


@pytest.mark.parametrize(
    ("job", "code"),
    [
        (status("completed"), ExitCode.OK),
        (status("pending"), ExitCode.OK),
        (status("processing"), ExitCode.OK),
        (status("failed", "no entities matched"), ExitCode.FAILED),
        (status("failed", "cancelled by the client"), ExitCode.CANCELLED),
        (status("cancelled"), ExitCode.CANCELLED),
    ],
)
def test_for_status(job: JobStatus, code: ExitCode) -> None:
    assert for_status(job) == code


def test_cancelled_is_not_failed() -> None:
    cancelled = status("failed", "Cancelled by the client")
    assert cancelled.is_cancelled and not cancelled.is_failed and cancelled.is_terminal


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ApiError(422, "VALIDATION_ERROR", "bad"), ExitCode.USAGE),
        (ApiError(400, "BAD_REQUEST", "bad json"), ExitCode.USAGE),
        (ApiError(401, "UNAUTHORIZED", "key"), ExitCode.API_ERROR),
        (ApiError(404, "NOT_FOUND", "job"), ExitCode.API_ERROR),
        (ApiError(409, "CONFLICT", "terminal"), ExitCode.API_ERROR),
        (ApiError(429, "RATE_LIMITED", "slow down"), ExitCode.API_ERROR),
        (ApiError(500, "INTERNAL_ERROR", "oops"), ExitCode.API_ERROR),
        (NetworkError("connection refused"), ExitCode.API_ERROR),
    ],
)
def test_for_error(error: ApiError, code: ExitCode) -> None:
    assert for_error(error) == code


def test_contract_values_never_change() -> None:
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 4, 130]

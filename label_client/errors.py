"""The client's one exception family: everything the API, the network or a download can refuse.

`ApiError` mirrors the error envelope (docs/contract.md#errors) (`status`, `code`, `message`, `details`) so a
caller has one thing to catch. Failures that never reached the API (connection refused, a truncated download)
use the same shape with `status` 0, the convention browsers use for "no HTTP answer".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """An error answer of the API (the error envelope, docs/contract.md#errors), or a failure on the way to
    it."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(status, code, message, details)
        self.status = status
        self.code = code
        self.message = message
        # A list of {"field", "message"} for 422, of {"field", "duplicates"} for 409, else None.
        self.details = details

    def __str__(self) -> str:
        where = f"HTTP {self.status} " if self.status else ""
        return f"{where}{self.code}: {self.message}"

    @property
    def field_errors(self) -> list[tuple[str, str]]:
        """`(field, message)` pairs of a 422 answer; empty for anything else."""
        if not isinstance(self.details, list):
            return []
        return [
            (str(d.get("field", "")), str(d.get("message", "")))
            for d in self.details
            if isinstance(d, Mapping) and "message" in d
        ]


class NetworkError(ApiError):
    """The API could not be reached or the connection broke mid-answer."""

    def __init__(self, message: str) -> None:
        super().__init__(0, "NETWORK_ERROR", message)


class DownloadError(ApiError):
    """The artifact could not be fetched, or what arrived is not what the status promised."""


def _generic_code(status: int) -> str:
    # Answers without the envelope (a proxy's 502 page, S3's XML) still get a stable code.
    return f"HTTP_{status}"


def error_from_answer(status: int, body: Any, text: str = "") -> ApiError:
    """Build the error from a non-2xx answer, trusting the envelope only when it is well formed."""
    envelope = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(envelope, Mapping) and isinstance(envelope.get("message"), str):
        code = envelope.get("code")
        return ApiError(
            status,
            code if isinstance(code, str) and code else _generic_code(status),
            envelope["message"],
            envelope.get("details"),
        )
    snippet = " ".join(text.split())[:200] or "no error body"
    return ApiError(status, _generic_code(status), snippet)

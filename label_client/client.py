"""`LabelClient`: the typed async client for every route of docs/contract.md.

async with LabelClient(api_url, api_key) as client:
    receipt = await client.submit_export(scope="lots", export_type="datamatrix", file_format="png")
    status = await client.wait(receipt.job_id, on_progress=print)
    await client.download(status, "labels.zip")
"""

from __future__ import annotations

import asyncio
import inspect
import os
import random
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote

import aiohttp

from .backoff import PollPolicy, poll_delay
from .catalog import CatalogRoutes
from .download import ByteCallback, stream_to_file
from .errors import ApiError
from .models import DownloadResult, ExportFilters, ExportReceipt, ExportType, FileFormat, JobStatus, Scope
from .transport import Transport

EXPORTS = "/products/api/v1/labels/export/"
StatusCallback = Callable[[JobStatus], object]


class WaitTimeout(TimeoutError):
    """`wait` gave up; the job goes on. `last_status` is the latest status seen."""

    def __init__(self, job_id: str, timeout: float, last_status: JobStatus | None) -> None:
        state = last_status.status if last_status else "unknown"
        super().__init__(f"job {job_id} still {state} after {timeout:g} s")
        self.last_status = last_status


class LabelClient(CatalogRoutes):
    """Owns its aiohttp session (unless one is passed in); use as an async context manager."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        poll_policy: PollPolicy | None = None,
    ) -> None:
        self._transport = Transport(
            base_url, api_key, session=session, timeout=timeout, max_retries=max_retries
        )
        self.poll_policy = poll_policy or PollPolicy()

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    async def __aenter__(self) -> LabelClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._transport.close()

    async def submit_export(
        self,
        *,
        scope: Scope,
        export_type: ExportType,
        file_format: FileFormat,
        filters: ExportFilters | None = None,
        asset_config: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> ExportReceipt:
        """Queue an export (202). With `idempotency_key`, a retried submit returns the same job."""
        body: dict[str, Any] = {"scope": scope, "export_type": export_type, "file_format": file_format}
        if filters:
            body["filters"] = dict(filters)
        if asset_config:
            body["asset_config"] = dict(asset_config)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        answer = await self._transport.request(
            "POST", EXPORTS, json=body, headers=headers, ok=frozenset({202})
        )
        return ExportReceipt.from_json(answer.obj, retry_after=answer.retry_after)

    async def get_status(self, job_id: str) -> JobStatus:
        answer = await self._transport.request("GET", _status_path(job_id))
        return JobStatus.from_json(answer.obj)

    async def wait(
        self,
        job_id: str,
        *,
        on_progress: StatusCallback | None = None,
        # Our own deadline rather than asyncio.timeout(): it ends between polls, never mid-request,
        # and the WaitTimeout it raises carries the last status seen.
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> JobStatus:
        """Poll until the job is terminal and return its final status.

        `on_progress(status)` (sync or async) runs for every status that differs from the last one.
        Polls send `If-None-Match`, so an unchanged job costs a bodiless 304; the delay honours
        `Retry-After` and grows while nothing changes. Raises `WaitTimeout` after `timeout` s.
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        status: JobStatus | None = None
        etag: str | None = None
        unchanged = 0
        while True:
            headers = {"If-None-Match": etag} if etag and status else None
            answer = await self._transport.request(
                "GET", _status_path(job_id), headers=headers, ok=frozenset({200, 304})
            )
            if answer.status == 304 and status is not None:
                unchanged += 1
            else:
                status = JobStatus.from_json(answer.obj)
                etag = answer.headers.get("ETag")
                unchanged = 0
                await _call(on_progress, status)
                if status.is_terminal:
                    return status
            delay = poll_delay(
                self.poll_policy,
                unchanged_polls=unchanged,
                retry_after=answer.retry_after,
                rand=random.random(),
            )
            if deadline is not None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise WaitTimeout(job_id, timeout or 0.0, status)
                delay = min(delay, remaining)
            await asyncio.sleep(delay)

    async def cancel(self, job_id: str) -> JobStatus:
        """Ask the server to stop the job (202); it ends `failed` with a cancellation `error`.

        A job already terminal answers 409 (`ApiError` with code `CONFLICT`).
        """
        answer = await self._transport.request(
            "POST", _status_path(job_id) + "cancel/", ok=frozenset({200, 202})
        )
        if isinstance(answer.body, Mapping) and "status" in answer.body:
            return JobStatus.from_json(answer.obj)
        return await self.get_status(job_id)  # the contract does not promise a body on 202

    async def download(
        self,
        status_or_url: JobStatus | str,
        dest_path: str | os.PathLike[str],
        *,
        on_bytes: ByteCallback | None = None,
    ) -> DownloadResult:
        """Stream the artifact to `dest_path`, verified against the status's size (and sha256).

        Given a bare URL there is nothing to verify against but the transfer itself.
        """
        if isinstance(status_or_url, JobStatus):
            status = status_or_url
            if not status.is_completed or not status.download_url:
                raise ApiError(0, "NOT_READY", f"job {status.job_id} is {status.status}; nothing to download")
            url = status.download_url
            expected_size = status.file_size_bytes or None
            expected_sha256 = status.sha256
        else:
            url, expected_size, expected_sha256 = status_or_url, None, None
        return await stream_to_file(
            self._transport.session,
            self._transport.url(url),
            dest_path,
            expected_size=expected_size,
            expected_sha256=expected_sha256,
            on_bytes=on_bytes,
        )


def _status_path(job_id: str) -> str:
    # The server judges the id's shape (422); quoting only keeps it from escaping the route.
    return f"{EXPORTS}{quote(job_id, safe='')}/"


async def _call(callback: StatusCallback | None, status: JobStatus) -> None:
    if callback is None:
        return
    result = callback(status)
    if inspect.isawaitable(result):
        await result

"""The benchmark's HTTP client of the export API."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import aiohttp

from bench.system.constants import EXPORTS


class Api:
    """The few calls the benchmark makes. Like a real client (label_client), it retries 502/503/504
    and connection errors for up to `patience` s; `retries` counts them, so a disturbed
    measurement (e.g. someone restarting the shared PostgreSQL) shows in the results."""

    RETRY_STATUSES = frozenset({502, 503, 504})

    def __init__(self, base_url: str, api_key: str, *, patience: float = 120) -> None:
        self.base_url = base_url
        self.http = aiohttp.ClientSession(headers={"X-API-Key": api_key})
        self.patience = patience
        self.retries = 0

    async def close(self) -> None:
        await self.http.close()

    async def _request(self, method: str, url: str, ok: int, **kwargs: Any) -> dict[str, Any]:
        deadline = time.perf_counter() + self.patience
        while True:
            try:
                async with self.http.request(method, url, **kwargs) as resp:
                    answer: dict[str, Any] = await resp.json()
                    if resp.status == ok:
                        return answer
                    if resp.status not in self.RETRY_STATUSES or time.perf_counter() > deadline:
                        raise RuntimeError(f"{method} {url} answered {resp.status}: {answer}")
            except (aiohttp.ClientConnectionError, aiohttp.ContentTypeError):
                if time.perf_counter() > deadline:
                    raise
            self.retries += 1
            await asyncio.sleep(0.5)

    async def submit(self, body: dict[str, Any]) -> str:
        # An idempotency key makes a retried submit return the same job.
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        answer = await self._request("POST", self.base_url + EXPORTS, 202, json=body, headers=headers)
        return str(answer["job_id"])

    async def status(self, job_id: str) -> dict[str, Any]:
        return await self._request("GET", f"{self.base_url}{EXPORTS}{job_id}/", 200)

    async def wait(self, job_id: str, *, poll: float, timeout: float) -> tuple[dict[str, Any], float]:  # noqa: ASYNC109
        """Poll until terminal; (final status, perf_counter() when it was seen)."""
        deadline = time.perf_counter() + timeout
        while True:
            status = await self.status(job_id)
            seen = time.perf_counter()
            if status["status"] in ("completed", "failed"):
                return status, seen
            if seen > deadline:
                raise TimeoutError(f"job {job_id} still {status['status']} after {timeout:.0f} s: {status}")
            await asyncio.sleep(poll)

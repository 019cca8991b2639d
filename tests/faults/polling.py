"""Polling a job like a client, with timeouts, checking what every answer may be."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.faults.waiting import now
from tests.support.api import EXPORTS, Api


@dataclass
class PollLog:
    """Every answer a poller saw: status codes, and the worst latency."""

    codes: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    max_latency: float = 0.0

    def add(self, code: int, latency: float) -> None:
        self.codes[code] = self.codes.get(code, 0) + 1
        self.max_latency = max(self.max_latency, latency)


def check_unavailable_envelope(answer: Any) -> None:
    """A 503 must be the error envelope (docs/contract.md#errors) with a Retry-After, never HTML or a
    traceback."""
    assert isinstance(answer.body, dict) and set(answer.body) == {"error"}, answer.body
    error = answer.body["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE" and error["status"] == 503, error
    assert isinstance(error["message"], str) and error["message"], error
    assert answer.headers.get("Retry-After"), dict(answer.headers)


async def poll_terminal(
    api: Api,
    job_id: str,
    *,
    timeout: float,
    tolerate_unavailable: bool = False,
    log: PollLog | None = None,
    interval: float = 0.1,
) -> dict[str, Any]:
    """Poll until completed/failed, checking that progress never goes down and a terminal state
    stays put. With `tolerate_unavailable`, 503 (in the envelope) and refused connections (the
    API being restarted) are retried; anything else fails the test."""
    deadline = now() + timeout
    last = 0
    while True:
        started = now()
        try:
            answer = await api.get(f"{EXPORTS}{job_id}/")
        except (TimeoutError, aiohttp.ClientConnectionError) as exc:
            if not tolerate_unavailable or isinstance(exc, asyncio.TimeoutError):
                raise
            if log is not None:
                log.errors.append(f"{type(exc).__name__}: {exc}")
            answer = None
        if answer is not None:
            if log is not None:
                log.add(answer.status, now() - started)
            if answer.status == 503 and tolerate_unavailable:
                check_unavailable_envelope(answer)
            else:
                assert answer.status == 200, (answer.status, answer.body)
                body = answer.body
                assert body["processed_items"] >= last, f"processed_items went down: {last} -> {body}"
                last = body["processed_items"]
                if body["status"] in ("completed", "failed"):
                    return body  # type: ignore[no-any-return]
        if now() > deadline:
            raise AssertionError(f"job {job_id} not terminal after {timeout:.0f}s")
        await asyncio.sleep(interval)

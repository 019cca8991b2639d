"""Waiting until a part really answers: retry a protocol-level probe until it succeeds, the
process dies, or the time is up, and then fail with a message that carries the last error and
the tail of the part's log (a timeout alone never says why)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from devtools.errors import DevstackError
from devtools.process import ManagedProcess, tail_of_file

T = TypeVar("T")

# Back off from 50 ms to 0.5 s: quick when a server is about to answer, and a client library
# that logs every failed connection (aiokafka does) doesn't flood the log while one is down.
_FIRST_INTERVAL = 0.05
_MAX_INTERVAL = 0.5
_TCP_TIMEOUT = 1.0


def _log_excerpt(process: ManagedProcess | None, log_path: Path | None) -> str:
    if process is not None:
        return f"\n--- last lines of {process.log_path} ---\n{process.log_tail()}"
    if log_path is not None:
        return f"\n--- last lines of {log_path} ---\n{tail_of_file(log_path)}"
    return ""


async def wait_until_ready(
    what: str,
    probe: Callable[[], Awaitable[T]],
    *,
    within: float,
    process: ManagedProcess | None = None,
    log_path: Path | None = None,
) -> T:
    """Call `probe` until it returns; its result is returned.

    Any exception from the probe means "not yet". If `process` exits meanwhile, fail at once:
    waiting for a dead server is pointless."""
    deadline = time.monotonic() + within
    interval = _FIRST_INTERVAL
    last_error: BaseException | None = None
    while True:
        if process is not None and not process.running:
            raise DevstackError(
                f"{what} exited with code {process.returncode} before it was ready"
                + _log_excerpt(process, log_path)
            )
        remaining = deadline - time.monotonic()
        try:
            # The probe has its own short timeouts; this one only guards against a hang.
            return await asyncio.wait_for(probe(), timeout=max(remaining, 1.0))
        except Exception as exc:
            last_error = exc
        if time.monotonic() >= deadline:
            raise DevstackError(
                f"{what} not ready after {within:.0f}s; last error: {last_error!r}"
                + _log_excerpt(process, log_path)
            )
        await asyncio.sleep(interval)
        interval = min(interval * 1.5, _MAX_INTERVAL)


async def tcp_accepts(host: str, port: int) -> None:
    """Raises unless something accepts a TCP connection. Used before protocol probes so that
    client libraries don't log a connection error for every attempt while a server boots."""
    _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), _TCP_TIMEOUT)
    writer.close()
    await writer.wait_closed()

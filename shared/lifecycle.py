"""Small lifecycle helpers for the composition roots' `cleanup_ctx` functions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any


@contextlib.asynccontextmanager
async def running(coro: Coroutine[Any, Any, None], *, name: str) -> AsyncIterator[asyncio.Task[None]]:
    """Run a background loop for the life of the block; cancel it and wait for it on the way out."""
    task = asyncio.create_task(coro, name=name)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def database_check(pool: Any, *, within: float = 2) -> str:
    """'ok', or why the database does not answer (for /readyz)."""
    try:
        async with asyncio.timeout(within):
            await pool.fetchval("SELECT 1")
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}"
    return "ok"

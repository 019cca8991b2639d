"""Lifecycle helpers for the composition roots: supervised background loops and the probes' checks.

Every background loop of a service (consumers, relay, sweeps) runs under `Loops.start`: a loop
that ends, by an error or by returning, is logged and restarted with exponential backoff and
jitter, and its state (running or restarting, restarts, last error) is what /healthz and /readyz
report, by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from shared.backoff import Backoff

log = logging.getLogger(__name__)

#: A run that lasted this long was healthy: the next failure starts the backoff from the beginning.
HEALTHY_RUN_SECONDS = 60.0


@dataclass
class LoopState:
    name: str
    running: bool = False
    restarts: int = 0
    last_error: str | None = None
    since: float = field(default_factory=time.monotonic)

    def report(self) -> dict[str, Any]:
        return {
            "state": "running" if self.running else "restarting",
            "restarts": self.restarts,
            "last_error": self.last_error,
            "for_seconds": round(time.monotonic() - self.since, 1),
        }


class Supervised:
    """One supervised loop: `stop()` ends it for good (no restart), then `task` can be awaited."""

    def __init__(self, state: LoopState, run: Callable[[], Awaitable[None]], backoff: Backoff) -> None:
        self.state = state
        self._run = run
        self._backoff = backoff
        self.stopping = False
        self.task = asyncio.create_task(self._supervise(), name=state.name)

    def stop(self) -> None:
        self.stopping = True

    async def cancel(self) -> None:
        self.stopping = True
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    async def _supervise(self) -> None:
        state = self.state
        while not self.stopping:
            state.running, state.since = True, time.monotonic()
            try:
                await self._run()
                if self.stopping:
                    return
                state.last_error = "ended"
                log.error("%s: loop ended; restarting it", state.name)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.stopping:
                    return
                state.last_error = f"{type(exc).__name__}: {exc}"[:500]
                log.exception("%s: loop failed; restarting it", state.name)
            ran = time.monotonic() - state.since
            state.running, state.since = False, time.monotonic()
            state.restarts += 1
            if ran >= HEALTHY_RUN_SECONDS:
                self._backoff.reset()
            await asyncio.sleep(self._backoff.next())


class Loops:
    """The registry of a service's supervised loops, read by its probes."""

    def __init__(self, *, initial_backoff: float = 0.5, max_backoff: float = 30.0) -> None:
        self._initial = initial_backoff
        self._cap = max_backoff
        self._loops: dict[str, Supervised] = {}

    def start(self, name: str, run: Callable[[], Awaitable[None]]) -> Supervised:
        loop = Supervised(LoopState(name), run, Backoff(initial=self._initial, cap=self._cap))
        self._loops[name] = loop
        return loop

    def report(self) -> dict[str, dict[str, Any]]:
        return {name: loop.state.report() for name, loop in self._loops.items()}

    def supervisors_alive(self) -> bool:
        """False once a supervisor itself is gone while not asked to stop: restart the process."""
        return all(loop.stopping or not loop.task.done() for loop in self._loops.values())

    def all_running(self) -> bool:
        return all(loop.state.running for loop in self._loops.values())


@contextlib.asynccontextmanager
async def supervised(
    loops: Loops, name: str, run: Callable[[], Awaitable[None]]
) -> AsyncIterator[Supervised]:
    """Run a supervised loop for the life of the block; cancel it and wait for it on the way out."""
    loop = loops.start(name, run)
    try:
        yield loop
    finally:
        await loop.cancel()


async def database_check(pool: Any, *, within: float = 2) -> str:
    """'ok', or why the database does not answer (for /readyz)."""
    try:
        async with asyncio.timeout(within):
            await pool.fetchval("SELECT 1")
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}"
    return "ok"

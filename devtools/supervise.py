"""Keep local services running: a service that exits is started again, with exponential backoff,
and says so. Used by `make run`, so the self-healing the README promises is visible locally."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from devtools.services import ServiceProcess

log = logging.getLogger("make-run")

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
# A service that stayed up this long is healthy again: its next crash starts from FIRST_DELAY.
STABLE_AFTER = 60.0


def describe_exit(returncode: int) -> str:
    """`exit code 3` or `signal SIGKILL` (Popen reports a signal as a negative code)."""
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


def next_delay(previous: float | None) -> float:
    return FIRST_DELAY if previous is None else min(previous * 2, MAX_DELAY)


async def supervise(stop: asyncio.Event, services: list[ServiceProcess]) -> None:
    """Until `stop` is set: restart any service that exited; the others keep running (one
    watcher per service, so one in backoff or starting up never delays another)."""
    async with asyncio.TaskGroup() as group:
        for service in services:
            group.create_task(_keep_running(stop, service))


async def _keep_running(stop: asyncio.Event, service: ServiceProcess) -> None:
    loop = asyncio.get_running_loop()
    delay: float | None = None
    started_at = loop.time()
    while not await _stopped_within(stop, 0.5):
        proc = service.proc
        if proc is None or proc.poll() is None:
            continue
        if loop.time() - started_at > STABLE_AFTER:
            delay = None
        delay = next_delay(delay)
        log.warning(
            "%s (pid %s) exited with %s; restarting, next try in %.0f s\n%s",
            service.name,
            proc.pid,
            describe_exit(proc.returncode),
            delay,
            service.log_tail(10),
        )
        if await _stopped_within(stop, delay):
            return
        try:
            await service.start()
        except RuntimeError as exc:  # it exited again or never got ready: the next round retries
            log.warning("%s did not start: %s", service.name, exc)
            continue
        started_at = loop.time()
        log.warning("%s restarted (pid %s)", service.name, service.pid)


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    return stop.is_set()

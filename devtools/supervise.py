"""Keep local services running: a service that exits is started again, with exponential backoff,
and says so. Used by `make run`, so the self-healing the README promises is visible locally."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field

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


@dataclass
class _Watched:
    service: ServiceProcess
    delay: float | None = None
    started_at: float = field(default=0.0)


async def supervise(stop: asyncio.Event, services: list[ServiceProcess]) -> None:
    """Until `stop` is set: restart any service that exited; the others keep running."""
    loop = asyncio.get_running_loop()
    watched = [_Watched(s, started_at=loop.time()) for s in services]
    while not stop.is_set():
        for w in watched:
            proc = w.service.proc
            if proc is None or proc.poll() is None:
                continue
            if loop.time() - w.started_at > STABLE_AFTER:
                w.delay = None
            w.delay = next_delay(w.delay)
            log.warning(
                "%s (pid %s) exited with %s; restarting, next try in %.0f s\n%s",
                w.service.name,
                proc.pid,
                describe_exit(proc.returncode),
                w.delay,
                w.service.log_tail(10),
            )
            try:
                await asyncio.wait_for(stop.wait(), timeout=w.delay)
                return
            except TimeoutError:
                pass
            try:
                await w.service.start()
                w.started_at = loop.time()
                log.warning("%s restarted (pid %s)", w.service.name, w.service.pid)
            except RuntimeError as exc:
                log.warning("%s did not start: %s", w.service.name, exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.5)

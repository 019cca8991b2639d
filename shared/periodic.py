"""The one periodic-task helper: every sweep and flush of both services runs through `every`.

A step that raises never ends the loop. A transient error (the database or a broker is away) is
logged once per `quiet_seconds`, and the next beat comes at the usual interval; any other error
is logged with its traceback and the beats back off (doubling, with jitter, up to `cap`) until a
step succeeds again, so a bug is loud but does not hammer what it fails against.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from shared.backoff import Backoff, LogThrottle
from shared.transient import is_transient

log = logging.getLogger(__name__)


async def every(
    seconds: float,
    step: Callable[[], Awaitable[object]],
    *,
    name: str,
    cap: float = 60.0,
    quiet_seconds: float = 60.0,
) -> None:
    """Run `step` every `seconds` until cancelled."""
    backoff = Backoff(initial=seconds, cap=max(cap, seconds))
    throttle = LogThrottle(interval=quiet_seconds)
    delay = seconds
    while True:
        await asyncio.sleep(delay)
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if is_transient(exc):
                delay = seconds
                held = throttle.ready()
                if held is not None:
                    log.warning(
                        "%s: skipped a beat: %s: %s (%d more like it not logged)",
                        name,
                        type(exc).__name__,
                        exc,
                        held,
                    )
            else:
                delay = backoff.next()
                log.exception("%s: step failed; next try in %.1fs", name, delay)
            continue
        delay = seconds
        backoff.reset()
        throttle.reset()

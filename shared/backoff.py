"""Exponential backoff with jitter, and a log throttle: the two pure parts of every retry loop."""

from __future__ import annotations

import random
import time
from collections.abc import Callable


class Backoff:
    """Delays that double from `initial` up to `cap`, each drawn from [delay/2, delay*1.5) so that
    replicas retrying the same outage do not come back in step."""

    def __init__(self, *, initial: float, cap: float, jitter: Callable[[], float] = random.random) -> None:
        self._initial = initial
        self._cap = cap
        self._jitter = jitter
        self._delay = initial

    def next(self) -> float:
        delay = self._delay * (0.5 + self._jitter())
        self._delay = min(self._delay * 2, self._cap)
        return min(delay, self._cap)

    def reset(self) -> None:
        self._delay = self._initial


class LogThrottle:
    """Lets a message through at most once per `interval` seconds, counting what it held back, so an
    outage that fails every try writes one line per interval instead of one per try."""

    def __init__(self, *, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval
        self._clock = clock
        self._last: float | None = None
        self._held = 0

    def ready(self) -> int | None:
        """None to stay silent; else how many messages were held back since the last one."""
        now = self._clock()
        if self._last is not None and now - self._last < self._interval:
            self._held += 1
            return None
        self._last, held, self._held = now, self._held, 0
        return held

    def reset(self) -> None:
        self._last, self._held = None, 0

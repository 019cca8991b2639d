"""When to ask again: `Retry-After` parsing and the poll/retry delays built on it. Pure.

The server's `Retry-After` is a floor, never a ceiling: a client that polls sooner than asked is
the kind rate limits are written for. Our own backoff only ever adds to it, growing while nothing
changes (a 304) so an idle wait costs the server little, and snapping back when progress moves.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from dataclasses import dataclass

# Statuses worth another try: rate limited, or a gateway/server that is briefly away.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP-date), or None.

    A malformed value is treated as absent rather than as an error: a bad header must not make a
    poll loop fail, and the caller's own backoff still applies.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds and seconds != float("inf") else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive parse means the zone was omitted.
        when = when.replace(tzinfo=dt.UTC)
    reference = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - reference).total_seconds())


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How `wait` paces its polls. `jitter` spreads many clients started together."""

    initial: float = 0.5
    factor: float = 1.5
    maximum: float = 5.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.initial < 0 or self.maximum < self.initial or self.factor < 1 or not 0 <= self.jitter < 1:
            raise ValueError("PollPolicy needs 0 <= initial <= maximum, factor >= 1, 0 <= jitter < 1")


def poll_delay(
    policy: PollPolicy, *, unchanged_polls: int, retry_after: float | None, rand: float = 0.5
) -> float:
    """Seconds until the next poll.

    `unchanged_polls` counts the 304s since the status last changed; `rand` in [0, 1) is the jitter
    draw (0.5 = none), passed in so the computation stays deterministic under test.
    """
    own = min(policy.maximum, policy.initial * policy.factor ** max(0, unchanged_polls))
    own *= 1 + policy.jitter * (2 * rand - 1)
    return own if retry_after is None else max(own, retry_after)


def retry_delay(attempt: int, *, retry_after: float | None, base: float = 0.5, cap: float = 8.0) -> float:
    """Seconds before retry number `attempt` (1-based) of a refused or failed request."""
    if retry_after is not None:
        return retry_after
    return float(min(cap, base * 2 ** max(0, attempt - 1)))

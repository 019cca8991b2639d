"""Rate-limit arithmetic and headers (docs/contract.md#rate-limits). Pure: counts in, headers and verdict out.

Two fixed windows per key, a minute and a day. The most restrictive window (fewest requests left)
is the one reported in `RateLimit-*`; `RateLimit-Policy` lists both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WindowState:
    limit: int
    seconds: int
    count: int  # requests in this window, this one included
    reset_at: float  # Unix time the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]
    retry_after: int


def effective_limit(override: int, default: int) -> int:
    """A per-key override of 0 means "the service default"."""
    return override if override > 0 else default


def verdict(windows: list[WindowState], *, now: float) -> Verdict:
    tightest = min(windows, key=lambda w: (w.remaining, -w.reset_at))
    exceeded = [w for w in windows if w.exceeded]
    shown = max(exceeded, key=lambda w: w.reset_at) if exceeded else tightest
    reset_in = max(0, math.ceil(shown.reset_at - now))
    headers = {
        "RateLimit-Policy": ", ".join(f"{w.limit};w={w.seconds}" for w in windows),
        "RateLimit-Limit": str(shown.limit),
        "RateLimit-Remaining": str(shown.remaining),
        "RateLimit-Reset": str(reset_in),
        "X-RateLimit-Limit": str(shown.limit),
        "X-RateLimit-Remaining": str(shown.remaining),
        "X-RateLimit-Reset": str(math.ceil(shown.reset_at)),
    }
    if exceeded:
        headers["Retry-After"] = str(max(1, reset_in))
    return Verdict(allowed=not exceeded, headers=headers, retry_after=max(1, reset_in))

"""The one error type of the GS1 package."""

from __future__ import annotations


class GS1ValidationError(ValueError):
    """GS1 data that must not be encoded.

    `field` names the input (a dotted path when the caller passes one, e.g. `filters.gtins.3`), so the
    API can put it straight into a 422 `details` entry; `reason` is the human-readable why.
    Both are positional `args` so the exception survives pickling across a process pool.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason)
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"

"""The one exception the launcher raises, so callers (CLI, pytest fixtures) can catch it apart from
bugs and print it without a traceback: its message already says which part failed, why, and the
tail of that part's log."""

from __future__ import annotations


class DevstackError(RuntimeError):
    """A part could not be started, did not become ready in time, or was set up wrongly."""

"""Failure of an encoder library to build a symbol (e.g. data too long for the largest size)."""

from __future__ import annotations


class SymbolEncodeError(ValueError):
    """Raised when an encoder refuses the data; the message says which symbology and why."""

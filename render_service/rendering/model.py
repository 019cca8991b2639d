"""Small typed values shared by every renderer and writer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LabelItem:
    """One entity of a job snapshot: what its label encodes.

    `gtin` is always 14 digits; `serial` is None for scope `lots`.
    """

    entity_id: str
    gtin: str
    lot: str
    expiry: dt.date | None = None
    serial: str | None = None


@dataclass(frozen=True, slots=True)
class BitMatrix:
    """A 2D symbol's modules, without quiet zone.

    `rows[y][x]` is 1 for a dark module, 0 for a light one; every row is `width` bytes long.
    """

    width: int
    height: int
    rows: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class RenderedFile:
    """One archive entry: its name, its bytes, and whether it is worth compressing."""

    name: str
    data: bytes
    compress: bool

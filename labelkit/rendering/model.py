"""Small typed values shared by every renderer and writer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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


# A LabelItem's fields in order: how items travel to the process pool. A tuple of plain values
# pickles ~5x faster than the dataclass (0.6 ms → 0.13 ms a 250-item batch, measured), and the
# replica's main process is what limits scaling across replicas.
ItemRow = tuple[str, str, str, dt.date | None, str | None]


def items_from_rows(rows: Iterable[ItemRow]) -> list[LabelItem]:
    return [LabelItem(*row) for row in rows]


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

"""The small interface a printer language implements: one label in, one text block out.

A document is the blocks of its labels concatenated, so chunk parts join by plain concatenation
whatever the language; adding EPL2 or TSPL means one new module with a class like `ZplWriter`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from labelkit.gs1 import GS1Data

Symbol = Literal["datamatrix", "qr", "gs1_128"]
SymbolMode = Literal["native", "graphic"]


@dataclass(frozen=True, slots=True)
class PrinterSetup:
    """What is the same for every label of a job."""

    dpi: int
    label_width_mm: float
    label_height_mm: float
    symbol: Symbol
    module_mm: float
    quiet_zone_modules: int
    human_readable: bool
    digital_link_base: str
    symbols: SymbolMode


@dataclass(frozen=True, slots=True)
class PrinterLabel:
    """One entity's label: its id (for the manifest line) and its validated GS1 data."""

    entity_id: str
    data: GS1Data


class PrinterLanguage(Protocol):
    extension: str
    content_type: str

    def block(self, label: PrinterLabel) -> str:
        """The complete, self-contained print job of one label (ASCII text)."""
        ...

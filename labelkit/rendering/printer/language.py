"""The small interface a printer language implements: one label in, one text block out.

A document is the blocks of its labels concatenated, so chunk parts join by plain concatenation
whatever the language. A language is one module with a writer class like `ZplWriter` and a
`LanguageSpec`, plus its line in registry.py; everything else (the allowed formats, the submit's
fit check, the render step, the preview, the artifact's name and type, assembly) asks the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from labelkit.gs1 import GS1Data

if TYPE_CHECKING:
    from labelkit.rendering.printer.geometry import LabelGeometry

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
    """A writer for one job: built from its PrinterSetup (raising FitError, naming the sizes, when
    the printer cannot draw that setup at all)."""

    @property
    def geo(self) -> LabelGeometry:
        """Where the label's parts go, in dots (geometry.py): shared with the preview's drawing."""
        ...

    def block(self, label: PrinterLabel) -> str:
        """The complete, self-contained print job of one label (ASCII text)."""
        ...

    def check_fit(self, data: GS1Data) -> None:
        """Raise FitError naming the sizes when the symbol with its HRI does not fit the label."""
        ...

    def symbol_side(self, data: GS1Data) -> int:
        """Dots a 2D symbol takes across as this language places it (0 for GS1-128)."""
        ...


@dataclass(frozen=True, slots=True)
class LanguageSpec:
    """A printer language as the rest of the service sees it, keyed by the request's file_format."""

    file_format: str  # also the artifact's extension
    content_type: str  # of the artifact and of the preview's source view
    writer: Callable[[PrinterSetup], PrinterLanguage]

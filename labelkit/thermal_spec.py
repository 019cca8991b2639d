"""What a `thermal_labels` export may ask for, and the fit check made at submit.

The fit is checked on the longest data a label of the scope can carry (20-character lot and
serial, with expiry), so no label of the job can fail later at render time.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from labelkit.field_errors import FieldError
from labelkit.gs1 import DEFAULT_DIGITAL_LINK_BASE, GS1Data
from labelkit.rendering.printer import FitError, PrinterSetup, achieved_mm, module_dots
from labelkit.rendering.printer.registry import printer_formats, printer_language

PrinterDpi = Literal[203, 300, 600]
ZplSymbols = Literal["native", "graphic"]
DEFAULT_LABEL_MM = (50.8, 25.4)
# Common thermal label stock (docs/printing.md), offered by the dashboard: (name, width, height) in mm.
LABEL_PRESETS_MM = (
    ("2 x 1 in", 50.8, 25.4),
    ("2.25 x 1.25 in", 57.15, 31.75),
    ("3 x 2 in", 76.2, 50.8),
    ("4 x 2 in", 101.6, 50.8),
    ("4 x 3 in", 101.6, 76.2),
    ("4 x 6 in (shipping)", 101.6, 152.4),
    ("50 x 30 mm", 50.0, 30.0),
    ("100 x 150 mm", 100.0, 150.0),
)
DEFAULT_MODULE_MM = {"datamatrix": 0.5, "qr": 0.5, "gs1_128": 0.33}
DEFAULT_QUIET_ZONE = {"datamatrix": 2, "qr": 4, "gs1_128": 10}


class LabelSize(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    width: float = Field(ge=10, le=300)
    height: float = Field(ge=5, le=1000)


class _ThermalConfig(Protocol):
    """The fields of the request's asset_config read here (read-only, so Literal types match)."""

    @property
    def printer_dpi(self) -> int | None: ...
    @property
    def label_size_mm(self) -> LabelSize | None: ...
    @property
    def symbol(self) -> str | None: ...
    @property
    def module_mm(self) -> float | None: ...
    @property
    def quiet_zone_modules(self) -> int | None: ...
    @property
    def human_readable(self) -> bool | None: ...
    @property
    def digital_link_base(self) -> str | None: ...
    @property
    def zpl_symbols(self) -> str | None: ...


def printer_setup(cfg: _ThermalConfig) -> PrinterSetup:
    """The job-wide setup, defaults filled in."""
    symbol = cfg.symbol or "datamatrix"
    size = cfg.label_size_mm
    return PrinterSetup(
        dpi=cfg.printer_dpi or 203,
        label_width_mm=size.width if size else DEFAULT_LABEL_MM[0],
        label_height_mm=size.height if size else DEFAULT_LABEL_MM[1],
        symbol=symbol,  # type: ignore[arg-type]
        module_mm=cfg.module_mm if cfg.module_mm is not None else DEFAULT_MODULE_MM[symbol],
        quiet_zone_modules=cfg.quiet_zone_modules
        if cfg.quiet_zone_modules is not None
        else DEFAULT_QUIET_ZONE[symbol],
        human_readable=cfg.human_readable is not False,
        digital_link_base=cfg.digital_link_base or DEFAULT_DIGITAL_LINK_BASE,
        symbols=cfg.zpl_symbols or "native",  # type: ignore[arg-type]
    )


def x_dimension_mm(setup: PrinterSetup) -> float:
    """The X-dimension the printer prints (a whole number of dots), in mm: the `x_mm` of every
    label's `^FX` line, and the `x_dimension_mm` of the job's status."""
    return achieved_mm(module_dots(setup.module_mm, setup.dpi), setup.dpi)


def thermal_errors(scope: str, cfg: _ThermalConfig, file_format: str) -> list[FieldError]:
    """The fit check of the language `file_format` names (none for a format no language writes:
    that pair is refused on `file_format` already)."""
    if file_format not in printer_formats():
        return []
    setup = printer_setup(cfg)
    longest = GS1Data.create(
        gtin="09506000134352",
        lot="Z" * 20,
        serial="Z" * 20 if scope == "serials" else None,
        expiry="291231",  # any YYMMDD: fixed length, so its value does not change the size
    )
    if setup.symbol == "gs1_128" and longest.serial:
        # One GS1-128 symbol holds 48 characters (labelkit.gs1.gs1_128); a longer label fails
        # alone at render time, so the longest that prints has an 18-character lot and a
        # 1-character serial: 16 + 8 + 20 + 1 + 3.
        longest = GS1Data.create(gtin=longest.gtin, lot="Z" * 18, serial="Z", expiry="291231")
    try:
        writer = printer_language(file_format).writer(setup)
    except FitError as exc:  # the module is beyond what the printer's own encoder draws
        return [FieldError("asset_config.module_mm", str(exc))]
    try:
        writer.check_fit(longest)
    except FitError as exc:
        return [FieldError("asset_config.label_size_mm", str(exc))]
    return []

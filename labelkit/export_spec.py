"""What an export asks for (docs/contract.md#export-request, #filters, #rendering-options), validated the
same way by both services: the API at submit time (→ 422) and the render service for requests other services
publish to Kafka (→ a failed job).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from labelkit.field_errors import FieldError, field_errors
from labelkit.gs1 import DEFAULT_DIGITAL_LINK_BASE, normalize_base, normalize_gtin
from labelkit.gs1.gs1_128 import DEFAULT_OVERFLOW, Overflow
from labelkit.limits import MAX_DIGITAL_LINK_BASE, MAX_FILTER_IDS, MAX_GTIN_INPUT, MAX_SYMBOL_PIXELS
from labelkit.rendering.printer.registry import printer_formats
from labelkit.rendering.raster_size import RasterKnobs, largest_rasters
from labelkit.rendering.symbols.linear import GS1_128_TYPES, GTIN_DIGITS
from labelkit.sheets.layout import check_fit
from labelkit.sheets.symbol_size import typical_label
from labelkit.sheets.templates import DEFAULT_TEMPLATE_NAME, TemplateError, parse_template
from labelkit.thermal_spec import LabelSize, PrinterDpi, ZplSymbols, thermal_errors

# What a request may ask for; the Kafka contract (shared.events) carries these same types.
Scope = Literal["lots", "serials", "products"]
ExportType = Literal["qr_codes", "datamatrix", "barcodes_1d", "codes_combined", "sheet_pdf", "thermal_labels"]
FileFormat = Literal["svg", "png", "pdf", "eps", "zpl"]

# 1 mm modules at 1,270 dpi: beyond any printer; keeps one PNG label to a bounded raster.
MAX_PIXELS_PER_MODULE = 50

# docs/contract.md#export-types-and-formats: which file formats each export type can produce.
_FIXED_FORMATS: dict[str, frozenset[str]] = {
    "sheet_pdf": frozenset({"pdf"}),
    "qr_codes": frozenset({"svg", "png"}),
    "datamatrix": frozenset({"svg", "png"}),
    "barcodes_1d": frozenset({"svg", "eps"}),
    "codes_combined": frozenset({"svg", "png"}),
}


class _AllowedFormats(Mapping[str, frozenset[str]]):
    """The formats of each export type; `thermal_labels` takes one per registered printer language
    (labelkit.rendering.printer.registry), read when asked so a language added there is offered."""

    def __getitem__(self, export_type: str) -> frozenset[str]:
        return printer_formats() if export_type == "thermal_labels" else _FIXED_FORMATS[export_type]

    def __iter__(self) -> Iterator[str]:
        return iter([*_FIXED_FORMATS, "thermal_labels"])

    def __len__(self) -> int:
        return len(_FIXED_FORMATS) + 1


ALLOWED_FORMATS: Mapping[str, frozenset[str]] = _AllowedFormats()
EXPORTABLE_SCOPES = frozenset({"lots", "serials"})


def _gtin(value: str) -> str:
    return normalize_gtin(value, field="gtin")


# Normalized per item, so a 422 names the list position (`filters.gtins.2`).
Gtin = Annotated[str, StringConstraints(max_length=MAX_GTIN_INPUT), AfterValidator(_gtin)]


def _digital_link_base(value: str) -> str:
    return normalize_base(value, field="digital_link_base")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Filters(_Strict):
    gtins: Annotated[list[Gtin], Field(max_length=MAX_FILTER_IDS)] | None = None
    product_id: uuid.UUID | None = None
    lot_ids: Annotated[list[uuid.UUID], Field(max_length=MAX_FILTER_IDS)] | None = None
    serial_ids: Annotated[list[uuid.UUID], Field(max_length=MAX_FILTER_IDS)] | None = None
    lot_run_id: uuid.UUID | None = None
    never_printed: bool | None = None
    expiry_from: dt.date | None = None
    expiry_to: dt.date | None = None


BarcodeType = Literal["auto", "ean13", "upca", "itf14", "code128", "gs1_128"]
SheetTemplateName = Literal[
    "63up_1in_letter",
    "30up_1x2.625in_letter",
    "80up_0.5x1.75in_letter",
    "24up_70x37mm_a4",
    "65up_38.1x21.2mm_a4",
]


class AssetConfig(BaseModel):
    """Renderer knobs; None means "the default for this symbol" (docs/contract.md#rendering-options).

    Strict types: `"1"` is not a number and `"yes"` not a boolean. A custom `sheet_template`
    object is checked field by field in `coherence_errors` (labelkit.sheets.templates).

    `thermal_labels` only (docs/printing.md): `printer_dpi` 203 (default), 300 or 600;
    `label_size_mm` `{width, height}`, default 50.8 x 25.4; `symbol` `datamatrix` (default), `qr`
    (Digital Link) or `gs1_128`; `zpl_symbols` `native` (default: the printer encodes, ^BX/^BQ/^BC)
    or `graphic` (our module matrix as a ^GF bitmap). The module is round(module_mm x dpi / 25.4)
    printer dots, at least 1; a symbol with its HRI that does not fit the label is a 422 on
    `asset_config.label_size_mm` naming both sizes.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    sheet_template: SheetTemplateName | dict[str, Any] | None = None
    dpi: int | None = Field(default=None, ge=72, le=2400)
    module_mm: float | None = Field(default=None, ge=0.05, le=10)
    quiet_zone_modules: int | None = Field(default=None, ge=0, le=100)
    human_readable: bool | None = None
    barcode_type: BarcodeType | None = None
    datamatrix_content: Literal["gs1", "digital_link"] | None = None
    # Bounded before it is parsed; normalize_base refuses every control and non-ASCII character.
    digital_link_base: (
        Annotated[
            str, StringConstraints(max_length=MAX_DIGITAL_LINK_BASE), AfterValidator(_digital_link_base)
        ]
        | None
    ) = None
    symbol: Literal["datamatrix", "qr", "gs1_128"] | None = None
    # GS1-128 data over 48 characters (labelkit.gs1.gs1_128): two symbols, or the item fails.
    gs1_128_overflow: Overflow | None = None
    # thermal_labels only (labelkit.thermal_spec).
    printer_dpi: PrinterDpi | None = None
    label_size_mm: LabelSize | None = None
    zpl_symbols: ZplSymbols | None = None


class ExportSpec(_Strict):
    """The body of a submit, minus transport concerns.

    Allowed `export_type` / `file_format` pairs (docs/contract.md#export-types-and-formats):
    `datamatrix`, `qr_codes` and `codes_combined` with `svg` or `png`; `barcodes_1d` with `svg` or
    `eps`; `sheet_pdf` with `pdf`; `thermal_labels` with `zpl`, the only pair with `zpl`. Any other
    pair is a 422 on `file_format`.
    """

    scope: Scope
    export_type: ExportType
    file_format: FileFormat
    filters: Filters = Field(default_factory=Filters)
    asset_config: AssetConfig = Field(default_factory=AssetConfig)

    def request_data(self) -> dict[str, Any]:
        """The JSON form carried in events and stored with the job."""
        return self.model_dump(mode="json", exclude_none=True)


class InvalidExportSpec(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def parse_export_spec(raw: object) -> ExportSpec:
    """Validate types, then the rules that tie fields together; raise InvalidExportSpec naming fields."""
    try:
        spec = ExportSpec.model_validate(raw)
    except ValidationError as exc:
        raise InvalidExportSpec(field_errors(exc)) from None
    problems = coherence_errors(spec)
    if problems:
        raise InvalidExportSpec(problems)
    return spec


def coherence_errors(spec: ExportSpec) -> list[FieldError]:
    errors = []
    if spec.scope not in EXPORTABLE_SCOPES:
        errors.append(
            FieldError(
                "scope", "scope 'products' is reserved and cannot be exported yet; use 'lots' or 'serials'"
            )
        )
    allowed = ALLOWED_FORMATS[spec.export_type]
    if spec.file_format not in allowed:
        errors.append(
            FieldError(
                "file_format",
                f"'{spec.file_format}' does not fit export_type '{spec.export_type}'; "
                f"allowed: {', '.join(sorted(allowed))}",
            )
        )
    f = spec.filters
    if f.serial_ids is not None and spec.scope != "serials":
        errors.append(FieldError("filters.serial_ids", "only valid with scope 'serials'"))
    if f.expiry_from and f.expiry_to and f.expiry_from > f.expiry_to:
        errors.append(FieldError("filters.expiry_from", "is after filters.expiry_to"))
    cfg = spec.asset_config
    if spec.export_type == "sheet_pdf":
        errors.extend(_sheet_errors(spec.scope, cfg))
    if spec.file_format == "png":
        errors.extend(_raster_errors(spec))
    if spec.export_type == "thermal_labels":
        errors.extend(thermal_errors(spec.scope, cfg, spec.file_format))
    elif cfg.symbol == "gs1_128":
        errors.append(
            FieldError("asset_config.symbol", "'gs1_128' is only valid with export_type 'thermal_labels'")
        )
    if spec.export_type not in ("sheet_pdf", "thermal_labels") and cfg.symbol is not None:
        errors.append(
            FieldError("asset_config.symbol", "only valid with export_type 'sheet_pdf' or 'thermal_labels'")
        )
    errors.extend(linear_errors(spec))
    if spec.export_type != "sheet_pdf" and cfg.sheet_template is not None:
        errors.append(FieldError("asset_config.sheet_template", "only valid with export_type 'sheet_pdf'"))
    if spec.export_type != "thermal_labels":
        for name in ("printer_dpi", "label_size_mm", "zpl_symbols"):
            if getattr(cfg, name) is not None:
                errors.append(
                    FieldError(f"asset_config.{name}", "only valid with export_type 'thermal_labels'")
                )
    return errors


def linear_errors(spec: ExportSpec) -> list[FieldError]:
    """What the request alone decides about its 1D symbols (docs/contract.md#gs1-128-capacity):
    `gs1_128_overflow` only where a GS1-128 label is drawn, and no filtered GTIN that the chosen
    EAN-13 / UPC-A cannot carry (every label of it would fail)."""
    cfg = spec.asset_config
    barcode_type = cfg.barcode_type or "auto"
    if cfg.gs1_128_overflow is not None:
        if spec.export_type not in LINEAR_EXPORTS:
            return [
                FieldError(
                    "asset_config.gs1_128_overflow",
                    "only valid with export_type 'barcodes_1d' or 'codes_combined' "
                    "(thermal labels print one GS1-128 symbol: longer data fails its label)",
                )
            ]
        if barcode_type not in GS1_128_TYPES:
            return [
                FieldError(
                    "asset_config.gs1_128_overflow",
                    f"only valid with barcode_type 'auto' or 'gs1_128', not '{barcode_type}'",
                )
            ]
    if spec.export_type not in LINEAR_EXPORTS or barcode_type not in GTIN_DIGITS:
        return []
    keep = GTIN_DIGITS[barcode_type]
    return [
        FieldError(
            f"filters.gtins.{n}",
            f"GTIN {gtin} cannot be carried by {barcode_type}: it needs {14 - keep} leading zero(s)",
        )
        for n, gtin in enumerate(spec.filters.gtins or ())
        if gtin[: 14 - keep] != "0" * (14 - keep)
    ]


# Exports that draw 1D symbols (docs/contract.md#export-types-and-formats).
LINEAR_EXPORTS = frozenset({"barcodes_1d", "codes_combined"})


def _raster_errors(spec: ExportSpec) -> list[FieldError]:
    """Pixels per module, then pixels per symbol (the preview's limit), of the largest label."""
    cfg = spec.asset_config
    module_mm, dpi = cfg.module_mm or 0.5, cfg.dpi or 300  # the largest contract defaults
    pixels = round(module_mm / 25.4 * dpi)
    if pixels > MAX_PIXELS_PER_MODULE:
        return [
            FieldError(
                "asset_config.dpi",
                f"module_mm {module_mm} at {dpi} dpi is {pixels} pixels per module; "
                f"at most {MAX_PIXELS_PER_MODULE} (huge rasters only cost time and memory)",
            )
        ]
    knobs = RasterKnobs(
        dpi=dpi,
        module_mm=cfg.module_mm,
        quiet_zone_modules=cfg.quiet_zone_modules,
        barcode_type=cfg.barcode_type or "auto",
        gs1_128_overflow=cfg.gs1_128_overflow or DEFAULT_OVERFLOW,
        datamatrix_content=cfg.datamatrix_content or "gs1",
        digital_link_base=cfg.digital_link_base or DEFAULT_DIGITAL_LINK_BASE,
    )
    for size in largest_rasters(export_type=spec.export_type, scope=spec.scope, knobs=knobs):
        if size.pixels > MAX_SYMBOL_PIXELS:
            return [
                FieldError(
                    "asset_config.dpi",
                    f"the largest {size.family} symbol would be {size.width_px} × {size.height_px} px, "
                    f"over the {MAX_SYMBOL_PIXELS // 1_000_000} megapixel limit; "
                    "lower dpi, module_mm or quiet_zone_modules",
                )
            ]
    return []


# Defaults of the two sheet symbols (docs/contract.md#rendering-options).
SHEET_MODULE_MM = {"datamatrix": 0.5, "qr": 0.5}
SHEET_QUIET_ZONE = {"datamatrix": 2, "qr": 4}


def _sheet_errors(scope: str, cfg: AssetConfig) -> list[FieldError]:
    """The template is valid, and a typical label of the scope fits its cell (else 422)."""
    try:
        template = parse_template(cfg.sheet_template or DEFAULT_TEMPLATE_NAME)
    except TemplateError as exc:
        return [FieldError(field, message) for field, message in exc.errors]
    if scope not in EXPORTABLE_SCOPES:
        return []
    symbol = cfg.symbol or "datamatrix"
    side, lines = typical_label(
        scope=scope,
        symbol=symbol,
        datamatrix_content=cfg.datamatrix_content or "gs1",
        digital_link_base=cfg.digital_link_base or DEFAULT_DIGITAL_LINK_BASE,
    )
    quiet = cfg.quiet_zone_modules if cfg.quiet_zone_modules is not None else SHEET_QUIET_ZONE[symbol]
    module_mm = cfg.module_mm if cfg.module_mm is not None else SHEET_MODULE_MM[symbol]
    fit = check_fit(
        template,
        (side + 2 * quiet, side + 2 * quiet),
        module_mm,
        lines if cfg.human_readable is not False else 0,
    )
    if fit.ok:
        return []
    return [
        FieldError("asset_config.module_mm", f"the {symbol} label does not fit {template.name}: {fit.reason}")
    ]

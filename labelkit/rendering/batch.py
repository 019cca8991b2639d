"""Render a batch of label items into archive entries and manifest rows.

`render_batch` is the unit of work for the render process pool: a top-level function with
picklable arguments and results, doing no I/O. Batches of 100-500 items amortise the pool's
pickling cost (docs/design.md#rendering-costs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from labelkit.export_spec import AssetConfig
from labelkit.field_errors import field_errors
from labelkit.gs1 import (
    DEFAULT_DIGITAL_LINK_BASE,
    GS,
    GS1Data,
    GS1ValidationError,
    digital_link_uri,
    element_string,
    hri,
    hri_lines,
    normalize_base,
)
from labelkit.gs1.gs1_128 import DEFAULT_OVERFLOW, Overflow
from labelkit.rendering.entries import ManifestRow, entry_name, visible
from labelkit.rendering.formats.eps import linear_eps
from labelkit.rendering.formats.layout import linear_matrix
from labelkit.rendering.formats.png import encode_png, pixels_per_module
from labelkit.rendering.formats.svg import linear_svg, matrix_svg
from labelkit.rendering.model import BitMatrix, LabelItem, RenderedFile
from labelkit.rendering.raster_size import DEFAULT_MODULE_MM, DEFAULT_QUIET_ZONE
from labelkit.rendering.symbols.datamatrix import encode_datamatrix
from labelkit.rendering.symbols.errors import SymbolEncodeError
from labelkit.rendering.symbols.linear import encode_linear_label
from labelkit.rendering.symbols.qr import encode_qr

EXPORT_FORMATS: Mapping[str, frozenset[str]] = {
    "qr_codes": frozenset({"svg", "png"}),
    "datamatrix": frozenset({"svg", "png"}),
    "barcodes_1d": frozenset({"svg", "eps"}),
    "codes_combined": frozenset({"svg", "png"}),
}


class LabelDataError(ValueError):
    """An item whose data cannot be encoded; names the entity so the job can fail clearly.

    Arguments stay in `args` so the exception pickles back from a pool worker intact.
    """

    def __init__(self, entity_id: str, reason: str) -> None:
        super().__init__(entity_id, reason)
        self.entity_id = entity_id
        self.reason = reason

    def __str__(self) -> str:
        return f"entity {self.entity_id}: {self.reason}"


@dataclass(frozen=True, slots=True)
class RenderSpec:
    """How every label of a job is drawn. Build it with `RenderSpec.from_job`.

    `module_mm` / `quiet_zone_modules` of None mean the contract's default of each symbol family
    (DataMatrix 0.5 mm / 2, QR 0.5 mm / 4, 1D 0.33 mm / 10); a value given in asset_config
    applies to every symbol of the job, both symbols of `codes_combined` included.
    """

    export_type: str
    file_format: str
    dpi: int = 300
    module_mm: float | None = None
    quiet_zone_modules: int | None = None
    human_readable: bool = True
    barcode_type: str = "auto"
    gs1_128_overflow: Overflow = DEFAULT_OVERFLOW
    datamatrix_content: str = "gs1"
    digital_link_base: str = DEFAULT_DIGITAL_LINK_BASE

    @classmethod
    def from_job(
        cls,
        export_type: str,
        file_format: str,
        asset_config: AssetConfig | Mapping[str, Any] | None = None,
        *,
        digital_link_base: str = DEFAULT_DIGITAL_LINK_BASE,
    ) -> RenderSpec:
        """Validate a job's export type, format and asset_config; raise ValueError naming the key.

        The knobs are validated by the same `AssetConfig` model the API checks submits with (a
        job's typed spec brings one already validated);
        `digital_link_base` is the service setting used when asset_config has none.
        """
        formats = EXPORT_FORMATS.get(export_type)
        if formats is None:
            raise ValueError(
                f"export_type: {export_type!r} is not rendered here (one of {sorted(EXPORT_FORMATS)})"
            )
        if file_format not in formats:
            raise ValueError(f"file_format: {file_format!r} does not fit export_type {export_type!r}")
        cfg = typed_asset_config(asset_config)
        return cls(
            export_type=export_type,
            file_format=file_format,
            dpi=cfg.dpi if cfg.dpi is not None else 300,
            module_mm=cfg.module_mm,
            quiet_zone_modules=cfg.quiet_zone_modules,
            human_readable=cfg.human_readable if cfg.human_readable is not None else True,
            barcode_type=cfg.barcode_type or "auto",
            gs1_128_overflow=cfg.gs1_128_overflow or DEFAULT_OVERFLOW,
            datamatrix_content=cfg.datamatrix_content or "gs1",
            digital_link_base=cfg.digital_link_base or normalize_base(digital_link_base),
        )

    def module_for(self, family: str) -> float:
        return self.module_mm if self.module_mm is not None else DEFAULT_MODULE_MM[family]

    def quiet_for(self, family: str) -> int:
        return self.quiet_zone_modules if self.quiet_zone_modules is not None else DEFAULT_QUIET_ZONE[family]


@dataclass(frozen=True, slots=True)
class RenderedLabel:
    """One entity's output: its archive entries and one manifest row per entry."""

    entity_id: str
    files: tuple[RenderedFile, ...]
    manifest_rows: tuple[ManifestRow, ...]


def typed_asset_config(raw: AssetConfig | Mapping[str, Any] | None) -> AssetConfig:
    """The knobs, typed: as given when already an AssetConfig, else validated (ValueError naming the key)."""
    if isinstance(raw, AssetConfig):
        return raw
    try:
        return AssetConfig.model_validate(dict(raw or {}))
    except ValidationError as exc:
        first = field_errors(exc)[0]
        raise ValueError(f"asset_config.{first.field}: {first.message}") from None


def label_data(item: LabelItem, *, today: dt.date | None = None) -> GS1Data:
    """Validated GS1 data of `item`, or `LabelDataError` naming the entity and the field."""
    try:
        return GS1Data.create(
            gtin=item.gtin, lot=item.lot, serial=item.serial, expiry=item.expiry, today=today
        )
    except GS1ValidationError as exc:
        raise LabelDataError(item.entity_id, str(exc)) from None


def render_batch(items: Sequence[LabelItem], spec: RenderSpec) -> list[RenderedLabel]:
    """Render `items` in order; raise `LabelDataError` for the first item that cannot be encoded."""
    render_one = _RENDERERS[spec.export_type]
    today = dt.date.today()
    out: list[RenderedLabel] = []
    for item in items:
        data = label_data(item, today=today)
        try:
            files, rows = render_one(item.entity_id, data, spec)
        except SymbolEncodeError as exc:
            raise LabelDataError(item.entity_id, str(exc)) from None
        out.append(RenderedLabel(entity_id=item.entity_id, files=files, manifest_rows=rows))
    return out


_Rendered = tuple[tuple[RenderedFile, ...], tuple[ManifestRow, ...]]
_File = tuple[RenderedFile, ManifestRow]


def _file(
    entity_id: str,
    data: GS1Data,
    body: bytes,
    ext: str,
    kind: str | None,
    symbology: tuple[str, str, str],
) -> _File:
    name = entry_name(data.gtin, data.lot, data.serial, ext=ext, kind=kind)
    label, symbology_id, transmitted = symbology
    row = ManifestRow(entity_id, name, label, symbology_id, visible(transmitted), hri(data))
    # PNG is already deflated inside; zipping it again costs 2-3x and saves nothing.
    return RenderedFile(name=name, data=body, compress=ext != "png"), row


def _matrix_body(matrix: BitMatrix, data: GS1Data, spec: RenderSpec, family: str, ext: str) -> bytes:
    quiet = spec.quiet_for(family)
    module_mm = spec.module_for(family)
    if ext == "png":
        scale = pixels_per_module(module_mm, spec.dpi)
        return encode_png(matrix, scale=scale, quiet_x=quiet, quiet_y=quiet, dpi=spec.dpi)
    lines = hri_lines(data) if spec.human_readable else None
    return matrix_svg(matrix, module_mm=module_mm, quiet=quiet, hri_lines=lines)


def _datamatrix(entity_id: str, data: GS1Data, spec: RenderSpec, ext: str) -> _File:
    if spec.datamatrix_content == "gs1":
        content = element_string(data)
        matrix = encode_datamatrix(content, gs1=True)
        symbology = ("GS1 DataMatrix", "]d2", content[1:])
    else:
        content = digital_link_uri(data, spec.digital_link_base)
        matrix = encode_datamatrix(content, gs1=False)
        symbology = ("DataMatrix", "]d1", content)
    body = _matrix_body(matrix, data, spec, "datamatrix", ext)
    return _file(entity_id, data, body, ext, None, symbology)


def _qr(entity_id: str, data: GS1Data, spec: RenderSpec, ext: str, kind: str | None = None) -> _File:
    uri = digital_link_uri(data, spec.digital_link_base)
    body = _matrix_body(encode_qr(uri), data, spec, "qr", ext)
    return _file(entity_id, data, body, ext, kind, ("QR Code", "]Q1", uri))


def _linear(entity_id: str, data: GS1Data, spec: RenderSpec, ext: str, kind: str | None = None) -> _File:
    # One symbol, or two GS1-128 symbols a line each for data over 48 characters
    # (docs/contract.md#gs1-128-capacity); refused ones raise SymbolEncodeError saying why.
    symbols = encode_linear_label(spec.barcode_type, data, overflow=spec.gs1_128_overflow)
    quiet = spec.quiet_for("linear")
    module_mm = spec.module_for("linear")
    if ext == "png":
        # Raster output carries no HRI text: that would need a font engine in the worker.
        scale = pixels_per_module(module_mm, spec.dpi)
        matrix = linear_matrix(symbols, quiet=quiet)
        body = encode_png(matrix, scale=scale, quiet_x=0, quiet_y=0, dpi=spec.dpi)
    elif ext == "svg":
        body = linear_svg(symbols, module_mm=module_mm, quiet=quiet, human_readable=spec.human_readable)
    else:
        body = linear_eps(symbols, module_mm=module_mm, quiet=quiet, human_readable=spec.human_readable)
    # The manifest's data is what the scanner transmits: for two symbols, both transmissions
    # joined by GS, which is the entity's element string (labelkit/gs1/gs1_128.py).
    first = symbols[0]
    transmitted = GS.join(s.transmitted for s in symbols)
    return _file(entity_id, data, body, ext, kind, (first.symbology, first.symbology_id, transmitted))


def _render_datamatrix(entity_id: str, data: GS1Data, spec: RenderSpec) -> _Rendered:
    file, row = _datamatrix(entity_id, data, spec, spec.file_format)
    return (file,), (row,)


def _render_qr(entity_id: str, data: GS1Data, spec: RenderSpec) -> _Rendered:
    file, row = _qr(entity_id, data, spec, spec.file_format)
    return (file,), (row,)


def _render_linear(entity_id: str, data: GS1Data, spec: RenderSpec) -> _Rendered:
    file, row = _linear(entity_id, data, spec, spec.file_format)
    return (file,), (row,)


def _render_combined(entity_id: str, data: GS1Data, spec: RenderSpec) -> _Rendered:
    # docs/contract.md#export-types-and-formats (ours): QR in the chosen format; 1D as svg for svg and as png
    # for png.
    qr_file, qr_row = _qr(entity_id, data, spec, spec.file_format, "qr")
    linear_file, linear_row = _linear(entity_id, data, spec, spec.file_format, "1d")
    return (qr_file, linear_file), (qr_row, linear_row)


_RENDERERS = {
    "datamatrix": _render_datamatrix,
    "qr_codes": _render_qr,
    "barcodes_1d": _render_linear,
    "codes_combined": _render_combined,
}

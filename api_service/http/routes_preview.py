"""Preview route (ours): one label of the chosen export type and format, rendered in-process.

The dashboard shows it before a job is submitted. It goes through the same validation as a submit
(`parse_export_spec`, so the same 422s) and the same pure renderers the render workers run
(`render_batch`, `render_sheet_batch`), so what it shows is what the export will contain. One
label takes about a millisecond; it still runs on a worker thread so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api_service.adapters import catalog_repo
from api_service.http.errors import ApiError, not_found, validation_error
from api_service.http.json_io import read_json
from api_service.state import DB_POOL, PRINCIPAL
from labelkit.export_spec import AssetConfig, ExportType, FileFormat, InvalidExportSpec, parse_export_spec
from labelkit.field_errors import FieldError, field_errors
from labelkit.limits import MAX_SYMBOL_PIXELS
from labelkit.rendering.batch import LabelDataError, RenderSpec, label_data, render_batch
from labelkit.rendering.formats.png import pixels_per_module
from labelkit.rendering.model import LabelItem
from labelkit.rendering.pdf import LabelDoesNotFit, join_pdf_parts
from labelkit.rendering.printer import PrinterLabel
from labelkit.rendering.printer.drawing import label_svg
from labelkit.rendering.printer.registry import printer_formats, printer_language
from labelkit.rendering.sheet_batch import SheetSpec, render_sheet_batch
from labelkit.thermal_spec import printer_setup

routes = web.RouteTableDef()

PREVIEW_PATH = "/products/api/v1/labels/preview/"

MEDIA_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "eps": "application/postscript",
    "pdf": "application/pdf",
    # Each printer language's own type (its `source` view), read from the registry.
    **{f: printer_language(f).content_type for f in printer_formats()},
}
#: The 200 answer's content for the OpenAPI document: one binary body in one of these types.
RESPONSE_CONTENT = {
    media: {"schema": {"type": "string", "format": "binary"}} for media in MEDIA_TYPES.values()
}


#: Shown when no entity is named: a serial with every AI (01, 17, 10, 21) — the fullest label —
#: with short, typical values. The GTIN is a GTIN-12 (two leading zeros), so every `barcode_type`
#: can carry it, UPC-A included.
SAMPLE_ITEM = LabelItem(
    entity_id="00000000-0000-0000-0000-000000000000",
    gtin="00036000291452",
    lot="LOT001",
    expiry=dt.date(2030, 12, 31),
    serial="SN0001",
)

# Previews share two threads per process: a burst of previews queues here instead of starving
# the default executor, which other code uses. Module level, because an executor (unlike an asyncio
# primitive) belongs to no event loop.
_EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="label-preview")


class PreviewRequest(BaseModel):
    """The body of a preview: what a submit says about the look of its labels, plus (optionally)
    the one entity to draw. Without `lot_id` or `serial_id` a sample serial is drawn.

    `thermal_view` (thermal_labels only): `source` (default) is the label's printer-language block
    as the export holds it; `drawing` is an SVG of the label at printer dots (docs/printing.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    export_type: ExportType
    file_format: FileFormat
    asset_config: AssetConfig = Field(default_factory=AssetConfig)
    lot_id: uuid.UUID | None = None
    serial_id: uuid.UUID | None = None
    # codes_combined renders two files per entity; this picks the one to return.
    combined_symbol: Literal["qr", "1d"] | None = None
    # thermal_labels: the printer file's block (default) or a drawing of it at printer dots.
    thermal_view: Literal["source", "drawing"] | None = None

    @property
    def scope(self) -> Literal["lots", "serials"]:
        return "lots" if self.lot_id is not None else "serials"

    @property
    def entity_field(self) -> str:
        return "lot_id" if self.lot_id is not None else "serial_id"


@dataclass(frozen=True, slots=True)
class Preview:
    body: bytes
    media_type: str
    filename: str


def parse_preview(raw: object) -> PreviewRequest:
    """Types first, then the submit's own cross-field rules; raise ApiError 422 naming fields."""
    if not isinstance(raw, dict):
        raise ApiError(422, "request body must be a JSON object")
    try:
        req = PreviewRequest.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(field_errors(exc)) from None
    errors: list[FieldError] = []
    if req.lot_id is not None and req.serial_id is not None:
        errors.append(FieldError("serial_id", "give lot_id or serial_id, not both"))
    if req.combined_symbol is not None and req.export_type != "codes_combined":
        errors.append(FieldError("combined_symbol", "only valid with export_type 'codes_combined'"))
    if req.thermal_view is not None and req.export_type != "thermal_labels":
        errors.append(FieldError("thermal_view", "only valid with export_type 'thermal_labels'"))
    try:
        parse_export_spec(
            {
                "scope": req.scope,
                "export_type": req.export_type,
                "file_format": req.file_format,
                "asset_config": raw.get("asset_config", {}),
            }
        )
    except InvalidExportSpec as exc:
        errors.extend(exc.errors)
    if errors:
        raise validation_error(errors)
    return req


async def load_item(conn: asyncpg.Pool, organization_id: uuid.UUID, req: PreviewRequest) -> LabelItem:
    """The named entity of the caller's organization (another organization's → 404), or the sample."""
    if req.serial_id is not None:
        what, entity_id = "serial", req.serial_id
    elif req.lot_id is not None:
        what, entity_id = "lot", req.lot_id
    else:
        return SAMPLE_ITEM
    row = await catalog_repo.label_entity(
        conn, organization_id=organization_id, kind=what, entity_id=entity_id
    )
    if row is None:
        raise not_found(what)
    return LabelItem(
        entity_id=str(row["id"]),
        gtin=row["gtin"],
        lot=row["lot_number"],
        expiry=row["expiry_date"],
        serial=row["serial_number"],
    )


def render_preview(item: LabelItem, req: PreviewRequest) -> Preview:
    """Pure and blocking: the bytes of one label, or ApiError 422 naming the field at fault."""
    config = req.asset_config.model_dump(exclude_none=True)
    subject = req.entity_field if item is not SAMPLE_ITEM else "asset_config"
    try:
        if req.export_type == "sheet_pdf":
            return _sheet_preview(item, SheetSpec.from_job(config))
        if req.export_type == "thermal_labels":
            return _thermal_preview(item, req, drawing=req.thermal_view == "drawing")
        spec = RenderSpec.from_job(req.export_type, req.file_format, config)
        if req.file_format == "png":
            _check_raster_size(item, req, config, spec)
        files = render_batch([item], spec)[0].files
    except LabelDoesNotFit as exc:
        raise _unprintable("asset_config.module_mm", item, str(exc)) from None
    except LabelDataError as exc:
        raise _unprintable(subject, item, exc.reason) from None
    chosen = files[1] if req.combined_symbol == "1d" else files[0]
    return Preview(chosen.data, MEDIA_TYPES[req.file_format], chosen.name)


def _sheet_preview(item: LabelItem, spec: SheetSpec) -> Preview:
    """A complete one-page sheet: the constant header, the one-label part, the trailer."""
    part_bytes, part = render_sheet_batch([item], spec, 0)
    sink = io.BytesIO()
    join_pdf_parts([(part, part_bytes)], sink)
    return Preview(sink.getvalue(), MEDIA_TYPES["pdf"], "sheet-preview.pdf")


def _thermal_preview(item: LabelItem, req: PreviewRequest, *, drawing: bool) -> Preview:
    """The label's block in the printer language of `file_format` (ZPL: `^XA ... ^XZ`) exactly as
    the export holds it, at the chosen printer_dpi; or, with `drawing`, an SVG of it at printer
    dots (drawing.label_svg: the writer's own placement, our encoder's modules, the HRI at the
    font height in dots)."""
    language = printer_language(req.file_format)
    writer = language.writer(printer_setup(req.asset_config))
    data = label_data(item)
    if not drawing:
        block = writer.block(PrinterLabel(item.entity_id, data))
        return Preview(
            block.encode("ascii"), language.content_type, f"thermal-preview.{language.file_format}"
        )
    geo = writer.geo
    if geo.width * geo.height > MAX_SYMBOL_PIXELS:
        raise validation_error(
            [
                FieldError(
                    "asset_config.label_size_mm",
                    f"a drawing of {geo.width} × {geo.height} dots is over the "
                    f"{MAX_SYMBOL_PIXELS // 1_000_000} megapixel limit of previews; "
                    "lower printer_dpi or label_size_mm",
                )
            ],
            message="preview too large",
        )
    svg = label_svg(geo, writer.symbol_side(data), data)
    return Preview(svg.encode("utf-8"), MEDIA_TYPES["svg"], "thermal-preview.svg")


# Symbol family of each file a raster export type renders, in file order (see rendering.batch).
_RASTER_FAMILIES = {"datamatrix": ("datamatrix",), "qr_codes": ("qr",), "codes_combined": ("qr", "linear")}


def _check_raster_size(
    item: LabelItem, req: PreviewRequest, config: dict[str, Any], spec: RenderSpec
) -> None:
    """Refuse a PNG over MAX_SYMBOL_PIXELS (the submit's limit too) before drawing it.

    A probe render at one pixel per module (72 dpi, the smallest module) costs microseconds and
    gives each file's size in modules, quiet zone included, from its PNG header; the real size is
    that times the pixels per module of the requested dpi and module size.
    """
    probe = RenderSpec.from_job(req.export_type, req.file_format, {**config, "dpi": 72, "module_mm": 0.05})
    probe_files = render_batch([item], probe)[0].files
    for family, file in zip(_RASTER_FAMILIES[req.export_type], probe_files, strict=True):
        width, height = int.from_bytes(file.data[16:20], "big"), int.from_bytes(file.data[20:24], "big")
        scale = pixels_per_module(spec.module_for(family), spec.dpi)
        pixels = width * height * scale * scale
        if pixels > MAX_SYMBOL_PIXELS:
            raise validation_error(
                [
                    FieldError(
                        "asset_config.dpi",
                        f"a preview of {width * scale} × {height * scale} px is over the "
                        f"{MAX_SYMBOL_PIXELS // 1_000_000} megapixel limit of previews; "
                        "lower dpi, module_mm or quiet_zone_modules",
                    )
                ],
                message="preview too large",
            )


def _unprintable(field: str, item: LabelItem, reason: str) -> ApiError:
    who = "the sample label" if item is SAMPLE_ITEM else "this label"
    return validation_error(
        [FieldError(field, f"{who} cannot be drawn: {reason}")], message="label cannot be drawn"
    )


@routes.post(PREVIEW_PATH)
async def preview(request: web.Request) -> web.Response:
    req = parse_preview(await read_json(request))
    item = await load_item(request.app[DB_POOL], request[PRINCIPAL].organization_id, req)
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(_EXECUTOR, render_preview, item, req)
    return web.Response(
        body=result.body,
        content_type=result.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{result.filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            # An SVG opened on its own is a document of our origin: let it run nothing.
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        },
    )

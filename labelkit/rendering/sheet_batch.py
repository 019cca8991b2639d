"""Render a page-aligned batch of labels into a sheet-PDF part: the process-pool unit of work for
`sheet_pdf`, like `render_batch` is for ZIP exports. Pure; arguments and result pickle."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from labelkit.export_spec import SHEET_MODULE_MM, SHEET_QUIET_ZONE, AssetConfig
from labelkit.gs1 import (
    DEFAULT_DIGITAL_LINK_BASE,
    digital_link_uri,
    element_string,
    hri_lines,
    normalize_base,
)
from labelkit.rendering.batch import LabelDataError, label_data, typed_asset_config
from labelkit.rendering.model import BitMatrix, ItemRow, LabelItem, items_from_rows
from labelkit.rendering.pdf import PartInfo, SheetStyle, render_sheet_part
from labelkit.rendering.symbols.datamatrix import encode_datamatrix
from labelkit.rendering.symbols.errors import SymbolEncodeError
from labelkit.rendering.symbols.qr import encode_qr
from labelkit.sheets.templates import DEFAULT_TEMPLATE_NAME, SheetTemplate, TemplateError, parse_template


@dataclass(frozen=True, slots=True)
class SheetSpec:
    template: SheetTemplate
    symbol: str  # "datamatrix" | "qr"
    style: SheetStyle
    datamatrix_content: str
    digital_link_base: str

    @classmethod
    def from_job(
        cls,
        asset_config: AssetConfig | Mapping[str, Any] | None,
        *,
        digital_link_base: str = DEFAULT_DIGITAL_LINK_BASE,
    ) -> SheetSpec:
        """Raise ValueError naming the asset_config key at fault (a job's typed spec brings an
        AssetConfig already validated)."""
        cfg = typed_asset_config(asset_config)
        try:
            template = parse_template(cfg.sheet_template or DEFAULT_TEMPLATE_NAME)
        except TemplateError as exc:
            field, message = exc.errors[0]
            raise ValueError(f"{field}: {message}") from None
        symbol = cfg.symbol or "datamatrix"
        style = SheetStyle(
            module_mm=cfg.module_mm if cfg.module_mm is not None else SHEET_MODULE_MM[symbol],
            quiet_zone_modules=cfg.quiet_zone_modules
            if cfg.quiet_zone_modules is not None
            else SHEET_QUIET_ZONE[symbol],
            human_readable=cfg.human_readable if cfg.human_readable is not None else True,
        )
        return cls(
            template=template,
            symbol=symbol,
            style=style,
            datamatrix_content=cfg.datamatrix_content or "gs1",
            digital_link_base=cfg.digital_link_base or normalize_base(digital_link_base),
        )

    def batch_size(self, target: int) -> int:
        """Batches are whole pages: only a document's last part may end mid-page."""
        per_page = self.template.labels_per_page
        return max(1, round(target / per_page)) * per_page


def render_sheet_batch(
    items: Sequence[LabelItem], spec: SheetSpec, first_label_index: int
) -> tuple[bytes, PartInfo]:
    today = dt.date.today()
    data = {item.entity_id: label_data(item, today=today) for item in items}

    def symbol_for(item: LabelItem) -> BitMatrix:
        gs1 = data[item.entity_id]
        try:
            if spec.symbol == "qr":
                return encode_qr(digital_link_uri(gs1, spec.digital_link_base))
            if spec.datamatrix_content == "digital_link":
                return encode_datamatrix(digital_link_uri(gs1, spec.digital_link_base), gs1=False)
            return encode_datamatrix(element_string(gs1), gs1=True)
        except SymbolEncodeError as exc:
            raise LabelDataError(item.entity_id, str(exc)) from None

    sink = io.BytesIO()
    part = render_sheet_part(  # LabelDoesNotFit names the label and its entity
        items,
        spec.template,
        symbol_for,
        lambda item: hri_lines(data[item.entity_id]),
        first_label_index=first_label_index,
        sink=sink,
        style=spec.style,
    )
    return sink.getvalue(), part


def render_sheet_rows(
    rows: Sequence[ItemRow], spec: SheetSpec, first_label_index: int
) -> tuple[bytes, PartInfo]:
    """The pool task: `render_sheet_batch` of items sent as rows."""
    return render_sheet_batch(items_from_rows(rows), spec, first_label_index)

"""Render a batch of labels into printer-language blocks: the process-pool unit of work for
`thermal_labels`, whichever language its file_format names (printer.registry). Pure; arguments and
result pickle. A document is its blocks concatenated, so are chunk parts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from labelkit.export_spec import AssetConfig
from labelkit.field_errors import field_errors
from labelkit.rendering.batch import LabelDataError, label_data
from labelkit.rendering.model import ItemRow, items_from_rows
from labelkit.rendering.printer import PrinterLabel, PrinterSetup
from labelkit.rendering.printer.registry import printer_language
from labelkit.rendering.symbols.errors import SymbolEncodeError
from labelkit.thermal_spec import printer_setup


def job_printer_setup(asset_config: Mapping[str, Any] | None) -> PrinterSetup:
    """Raise ValueError naming the asset_config key at fault."""
    try:
        cfg = AssetConfig.model_validate(dict(asset_config or {}))
    except ValidationError as exc:
        first = field_errors(exc)[0]
        raise ValueError(f"asset_config.{first.field}: {first.message}") from None
    return printer_setup(cfg)


def render_printer_rows(rows: Sequence[ItemRow], setup: PrinterSetup, file_format: str) -> tuple[bytes, int]:
    """(the batch's blocks in the language of `file_format`, ASCII bytes; its label count)."""
    writer = printer_language(file_format).writer(setup)
    blocks = []
    for it in items_from_rows(rows):
        try:
            blocks.append(writer.block(PrinterLabel(it.entity_id, label_data(it))))
        except SymbolEncodeError as exc:  # e.g. GS1-128 data over 48 characters
            raise LabelDataError(it.entity_id, str(exc)) from None
    return "".join(blocks).encode("ascii"), len(rows)

"""The printer-language registry drives every place a language shows: a second, test-only language
registering itself (one module's worth of code plus `register`) is offered for thermal_labels, does
its own fit check, renders the batches, previews, names and types the artifact and is assembled by
concatenation, and ZPL is unchanged. (Its name would also join the contract's FileFormat enum:
pydantic refuses it otherwise, so the preview request here is built without validation.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from api_service.http.routes_preview import SAMPLE_ITEM, PreviewRequest, render_preview
from labelkit.export_spec import ALLOWED_FORMATS, AssetConfig
from labelkit.field_errors import FieldError
from labelkit.gs1 import GS1Data, element_string
from labelkit.rendering.batch import label_data
from labelkit.rendering.model import ItemRow, items_from_rows
from labelkit.rendering.printer import FitError, PrinterLabel, PrinterSetup
from labelkit.rendering.printer.geometry import LabelGeometry
from labelkit.rendering.printer.language import LanguageSpec
from labelkit.rendering.printer.own_symbol import own_matrix
from labelkit.rendering.printer.registry import printer_formats, register, unregister
from labelkit.rendering.printer.zpl import ZplWriter
from labelkit.rendering.printer_batch import render_printer_rows
from labelkit.thermal_spec import printer_setup, thermal_errors
from render_service.artifacts import content_type, output_filename
from render_service.assembly.join_parts import assembly_kind

TSPL_TYPE = "application/x-tspl"
MIN_WIDTH = 500  # dots: the test language's own (made-up) fit rule


class TsplWriter:
    """A toy TSPL writer: enough to show what a language module provides."""

    def __init__(self, setup: PrinterSetup) -> None:
        self.setup = setup
        self.geo = LabelGeometry(setup)

    def block(self, label: PrinterLabel) -> str:
        x, y = self.geo.symbol_origin()
        size = f"SIZE {self.geo.width},{self.geo.height}\n"
        return size + f'DMATRIX {x},{y},"{element_string(label.data)}"\nPRINT 1\n'

    def check_fit(self, data: GS1Data) -> None:
        if self.geo.width < MIN_WIDTH:
            raise FitError(f"tspl needs {MIN_WIDTH} dots across; the label is {self.geo.width}")

    def symbol_side(self, data: GS1Data) -> int:
        return own_matrix(self.setup, data).width * self.geo.dots


TSPL = LanguageSpec(file_format="tspl", content_type=TSPL_TYPE, writer=TsplWriter)
ROWS: list[ItemRow] = [
    ("e1", "09506000134352", "L1", dt.date(2030, 1, 31), "S1"),
    ("e2", "09506000134352", "L_2", None, "S2"),
]


@pytest.fixture
def tspl() -> Iterator[None]:
    register(TSPL)
    yield
    unregister("tspl")


def test_the_registry_lists_zpl_alone() -> None:
    assert printer_formats() == {"zpl"} and ALLOWED_FORMATS["thermal_labels"] == {"zpl"}


def test_a_registered_language_is_offered_for_thermal_labels_only(tspl: None) -> None:
    assert ALLOWED_FORMATS["thermal_labels"] == {"zpl", "tspl"}
    assert all("tspl" not in formats for kind, formats in ALLOWED_FORMATS.items() if kind != "thermal_labels")


def test_the_submits_fit_check_is_the_languages_own(tspl: None) -> None:
    config = AssetConfig()  # the default 50.8 mm label at 203 dpi: 406 dots
    assert thermal_errors("serials", config, "tspl") == [
        FieldError("asset_config.label_size_mm", "tspl needs 500 dots across; the label is 406")
    ]
    assert thermal_errors("serials", config, "zpl") == []


def test_batches_are_rendered_by_the_language_of_the_file_format(tspl: None) -> None:
    setup = printer_setup(AssetConfig())
    text, count = render_printer_rows(ROWS, setup, "tspl")
    assert count == 2 and text.decode("ascii").count("PRINT 1\n") == 2
    assert text.startswith(b"SIZE 406,203\nDMATRIX 8,8,")
    zpl, _ = render_printer_rows(ROWS, setup, "zpl")
    assert zpl.startswith(b"^XA\n^FXentity=e1 ") and zpl.count(b"^XZ\n") == 2


def test_the_preview_shows_the_languages_block_and_draws_it_with_its_geometry(tspl: None) -> None:
    def request(file_format: str, view: str | None) -> PreviewRequest:
        return PreviewRequest.model_construct(
            export_type="thermal_labels",
            file_format=file_format,
            asset_config=AssetConfig(),
            thermal_view=view,
            lot_id=None,
            serial_id=None,
            combined_symbol=None,
        )

    source = render_preview(SAMPLE_ITEM, request("tspl", None))
    assert (source.media_type, source.filename) == (TSPL_TYPE, "thermal-preview.tspl")
    assert source.body.startswith(b"SIZE 406,203\n")
    drawing = render_preview(SAMPLE_ITEM, request("tspl", "drawing"))
    # Same geometry and the same Data Matrix size as ZPL's: the same drawing.
    assert drawing.media_type == "image/svg+xml"
    assert drawing.body == render_preview(SAMPLE_ITEM, request("zpl", "drawing")).body


def test_the_artifact_is_named_typed_and_joined_by_the_language(tspl: None) -> None:
    name = output_filename(
        job_id="AbCdEf", export_type="thermal_labels", file_format="tspl", scope="serials", total_items=42
    )
    assert name == "thermal-AbCd-42.tspl"
    assert content_type("thermal_labels", "tspl") == TSPL_TYPE
    assert assembly_kind("thermal_labels", "tspl") == "concatenate"
    # ZPL and the other types as before.
    assert (
        output_filename(
            job_id="AbCdEf", export_type="thermal_labels", file_format="zpl", scope="serials", total_items=42
        )
        == "thermal-AbCd-42.zpl"
    )
    assert content_type("thermal_labels", "zpl") == "application/vnd.zebra-zpl"
    assert [
        assembly_kind(*pair)
        for pair in [("thermal_labels", "zpl"), ("sheet_pdf", "pdf"), ("datamatrix", "png")]
    ] == ["concatenate", "pdf", "zip"]


def test_zpl_output_does_not_change_when_another_language_registers() -> None:
    setup = printer_setup(AssetConfig.model_validate({"zpl_symbols": "graphic"}))
    before, _ = render_printer_rows(ROWS, setup, "zpl")
    register(TSPL)
    try:
        after, _ = render_printer_rows(ROWS, setup, "zpl")
    finally:
        unregister("tspl")
    assert after == before
    writer = ZplWriter(setup)
    blocks = [writer.block(PrinterLabel(it.entity_id, label_data(it))) for it in items_from_rows(ROWS)]
    assert before == "".join(blocks).encode("ascii")

"""The pure input limits: lengths, control characters, the GS1 date window, whole-id matching, the
symbol pixel cap, and that the service layer raises no HTTP errors."""

from __future__ import annotations

import ast
import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from api_service.domain.catalog import LotIn, ProductIn
from api_service.domain.errors import InvalidRequest
from api_service.services.export_jobs import check_idempotency_key, largest_field
from labelkit.export_spec import InvalidExportSpec, parse_export_spec
from labelkit.field_errors import field_errors
from labelkit.ids import is_valid_job_id, new_job_id
from labelkit.limits import MAX_DIGITAL_LINK_BASE, MAX_SYMBOL_PIXELS, control_char_message
from labelkit.rendering.raster_size import RasterKnobs, largest_rasters
from labelkit.sheets.symbol_size import qr_side
from shared.events import ExportFailed

ROOT = Path(__file__).resolve().parents[2]


def spec_fields(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidExportSpec) as info:
        parse_export_spec(raw)
    return [e.field for e in info.value.errors]


@pytest.mark.parametrize("char", ["\x00", "\t", "\n", "\r", "\x1f", "\x7f", "\x80", "\x9f"])
def test_every_control_character_is_named(char: str) -> None:
    message = control_char_message(f"ab{char}")
    assert message is not None and f"U+{ord(char):04X} at position 3" in message


def test_ordinary_text_passes() -> None:
    assert control_char_message("Crème brûlée 500 mg — 30 tablets") is None


def test_a_product_name_keeps_no_trailing_newline() -> None:
    with pytest.raises(ValidationError) as info:
        ProductIn.model_validate({"gtin": "09506000134352", "name": "Aspirin\n"})
    assert [e.field for e in field_errors(info.value)] == ["name"]
    assert ProductIn.model_validate({"gtin": "09506000134352", "name": " Aspirin "}).name == "Aspirin"


def test_expiry_outside_the_gs1_century_window_is_refused() -> None:
    this_year = dt.date.today().year
    LotIn.model_validate({"lot_number": "A", "expiry_date": f"{this_year + 50}-01-01"})
    for year in (this_year + 51, this_year - 50):
        with pytest.raises(ValidationError) as info:
            LotIn.model_validate({"lot_number": "A", "expiry_date": f"{year}-01-01"})
        assert [e.field for e in field_errors(info.value)] == ["expiry_date"]


def test_digital_link_base_is_bounded_before_it_is_parsed() -> None:
    base = "https://example.com/" + "a" * (MAX_DIGITAL_LINK_BASE - 20)
    parse_export_spec(
        {
            "scope": "lots",
            "export_type": "qr_codes",
            "file_format": "svg",
            "asset_config": {"digital_link_base": base},
        }
    )
    too_long = {"digital_link_base": base + "a"}
    assert spec_fields(
        {"scope": "lots", "export_type": "qr_codes", "file_format": "svg", "asset_config": too_long}
    ) == ["asset_config.digital_link_base"]


def test_a_sheet_qr_that_cannot_fit_names_a_field_instead_of_raising() -> None:
    raw = {
        "scope": "lots",
        "export_type": "sheet_pdf",
        "file_format": "pdf",
        "asset_config": {"symbol": "qr", "digital_link_base": "https://example.com/" + "a" * 183},
    }
    assert spec_fields(raw) == ["asset_config.module_mm"]
    assert qr_side("a" * 2_300) == 177  # version 40: the table covers every QR size


def test_job_ids_are_matched_whole() -> None:
    job_id = new_job_id()
    assert is_valid_job_id(job_id)
    assert not is_valid_job_id(job_id + "\n")
    with pytest.raises(ValidationError):  # the pydantic pattern of events, too
        ExportFailed.model_validate(
            {"job_id": job_id + "\n", "organization_id": str(uuid.uuid4()), "error": "x"}
        )


def test_symbol_pixels_are_capped_with_the_preview_limit() -> None:
    knobs = RasterKnobs(
        dpi=2400,
        module_mm=0.5,
        quiet_zone_modules=100,
        barcode_type="auto",
        datamatrix_content="gs1",
        digital_link_base="https://id.gs1.org",
    )
    assert (
        max(s.pixels for s in largest_rasters(export_type="qr_codes", scope="serials", knobs=knobs))
        > MAX_SYMBOL_PIXELS
    )
    raw = {
        "scope": "serials",
        "export_type": "qr_codes",
        "file_format": "png",
        "asset_config": {"dpi": 2400, "module_mm": 0.5, "quiet_zone_modules": 100},
    }
    assert spec_fields(raw) == ["asset_config.dpi"]
    parse_export_spec({**raw, "asset_config": {"dpi": 2400, "module_mm": 0.5}})


def test_the_largest_field_of_a_request_is_named() -> None:
    request = {"scope": "lots", "filters": {"lot_ids": ["x"] * 100, "gtins": ["1"]}, "asset_config": {}}
    assert largest_field(request) == "filters.lot_ids"


def test_the_service_layer_raises_no_http_errors() -> None:
    for path in sorted((ROOT / "api_service" / "services").glob("*.py")):
        tree = ast.parse(path.read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(m and m.startswith("api_service.http") for m in imported), path


def test_an_idempotency_key_with_a_tab_is_refused() -> None:
    check_idempotency_key("order-42")
    with pytest.raises(InvalidRequest) as info:
        check_idempotency_key("order\t42")
    assert [e.field for e in info.value.errors] == ["Idempotency-Key"]

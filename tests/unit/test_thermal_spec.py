"""The thermal_labels contract: the only pair with zpl, its asset_config, the fit check at submit."""

from __future__ import annotations

import pytest

from labelkit.export_spec import InvalidExportSpec, parse_export_spec


def _fields(body: dict[str, object]) -> dict[str, str]:
    with pytest.raises(InvalidExportSpec) as caught:
        parse_export_spec(body)
    return {e.field: e.message for e in caught.value.errors}


def test_defaults_fit_the_default_label() -> None:
    spec = parse_export_spec({"scope": "serials", "export_type": "thermal_labels", "file_format": "zpl"})
    assert spec.request_data()["export_type"] == "thermal_labels"


@pytest.mark.parametrize("pair", [("datamatrix", "zpl"), ("sheet_pdf", "zpl"), ("thermal_labels", "png")])
def test_other_pairs_with_zpl_are_refused(pair: tuple[str, str]) -> None:
    export_type, file_format = pair
    errors = _fields({"scope": "lots", "export_type": export_type, "file_format": file_format})
    assert "file_format" in errors


def test_symbol_too_big_for_the_label_names_the_sizes() -> None:
    errors = _fields(
        {
            "scope": "serials",
            "export_type": "thermal_labels",
            "file_format": "zpl",
            "asset_config": {"symbol": "gs1_128", "printer_dpi": 300},
        }
    )
    assert "the label is 600 x 300 dots (50.8 x 25.4 mm)" in errors["asset_config.label_size_mm"]


def test_native_module_beyond_the_printer_limit_is_refused() -> None:
    errors = _fields(
        {
            "scope": "lots",
            "export_type": "thermal_labels",
            "file_format": "zpl",
            "asset_config": {
                "symbol": "qr",
                "printer_dpi": 600,
                "label_size_mm": {"width": 100, "height": 80},
            },
        }
    )
    assert "graphic" in errors["asset_config.module_mm"]


def test_printer_fields_only_with_thermal_labels() -> None:
    errors = _fields(
        {
            "scope": "lots",
            "export_type": "datamatrix",
            "file_format": "png",
            "asset_config": {"printer_dpi": 203},
        }
    )
    assert errors == {"asset_config.printer_dpi": "only valid with export_type 'thermal_labels'"}

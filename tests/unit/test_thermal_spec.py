"""The thermal_labels contract: the only pair with zpl, its asset_config, the fit check at submit."""

from __future__ import annotations

from typing import get_args

import pytest

from labelkit.export_spec import (
    ALLOWED_FORMATS,
    AssetConfig,
    ExportType,
    FileFormat,
    InvalidExportSpec,
    parse_export_spec,
)
from labelkit.thermal_spec import printer_setup


def _fields(body: dict[str, object]) -> dict[str, str]:
    with pytest.raises(InvalidExportSpec) as caught:
        parse_export_spec(body)
    return {e.field: e.message for e in caught.value.errors}


def test_defaults_fit_the_default_label() -> None:
    spec = parse_export_spec({"scope": "serials", "export_type": "thermal_labels", "file_format": "zpl"})
    assert spec.request_data()["export_type"] == "thermal_labels"


@pytest.mark.parametrize(
    "pair",
    [(t, "zpl") for t in get_args(ExportType) if t != "thermal_labels"]
    + [("thermal_labels", f) for f in get_args(FileFormat) if f != "zpl"],
)
def test_other_pairs_with_zpl_are_refused(pair: tuple[str, str]) -> None:
    """thermal_labels + zpl is the only pair with zpl, both ways round."""
    export_type, file_format = pair
    errors = _fields({"scope": "lots", "export_type": export_type, "file_format": file_format})
    assert errors == {
        "file_format": f"'{file_format}' does not fit export_type '{export_type}'; allowed: "
        + ", ".join(sorted(ALLOWED_FORMATS[export_type]))
    }
    assert ("zpl" in ALLOWED_FORMATS[export_type]) is (export_type == "thermal_labels")


def test_defaults_are_the_issue_s() -> None:
    """203 dpi, a 2 x 1 inch label, DataMatrix drawn by the printer, the contract's module sizes."""
    setup = printer_setup(AssetConfig())
    assert (setup.dpi, setup.label_width_mm, setup.label_height_mm) == (203, 50.8, 25.4)
    assert (setup.symbol, setup.symbols, setup.human_readable) == ("datamatrix", "native", True)
    assert (setup.module_mm, setup.quiet_zone_modules) == (0.5, 2)
    assert setup.digital_link_base == "https://id.gs1.org"
    for symbol, module, quiet in [("qr", 0.5, 4), ("gs1_128", 0.33, 10)]:
        chosen = printer_setup(AssetConfig(symbol=symbol))
        assert (chosen.module_mm, chosen.quiet_zone_modules) == (module, quiet)


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

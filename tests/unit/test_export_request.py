from __future__ import annotations

import itertools

import pytest

from labelkit.export_spec import ALLOWED_FORMATS, InvalidExportSpec, parse_export_spec

FORMATS = ("svg", "png", "pdf", "eps")
TYPES = ("qr_codes", "datamatrix", "barcodes_1d", "codes_combined", "sheet_pdf")
SCOPES = ("lots", "serials", "products")


@pytest.mark.parametrize(
    ("file_format", "export_type", "scope"), list(itertools.product(FORMATS, TYPES, SCOPES))
)
def test_every_combination_is_checked_against_the_spec(
    file_format: str, export_type: str, scope: str
) -> None:
    body = {"scope": scope, "export_type": export_type, "file_format": file_format}
    ok = file_format in ALLOWED_FORMATS[export_type] and scope != "products"
    if ok:
        assert parse_export_spec(body).export_type == export_type
        return
    with pytest.raises(InvalidExportSpec) as caught:
        parse_export_spec(body)
    fields = {e.field for e in caught.value.errors}
    if scope == "products":
        assert "scope" in fields
    if file_format not in ALLOWED_FORMATS[export_type]:
        assert "file_format" in fields


def test_gtins_are_normalized_and_bad_ones_named_by_position() -> None:
    spec = parse_export_spec(
        {
            "scope": "lots",
            "export_type": "datamatrix",
            "file_format": "png",
            "filters": {"gtins": ["9506000134352", "0950 6000 1343 52", "96385074"]},
        }
    )
    assert spec.filters.gtins == ["09506000134352", "09506000134352", "00000096385074"]
    with pytest.raises(InvalidExportSpec) as caught:
        parse_export_spec(
            {
                "scope": "lots",
                "export_type": "datamatrix",
                "file_format": "png",
                "filters": {"gtins": ["09506000134352", "09506000134359"]},
            }
        )
    assert [e.field for e in caught.value.errors] == ["filters.gtins.1"]


def test_unknown_keys_and_misplaced_filters() -> None:
    with pytest.raises(InvalidExportSpec) as caught:
        parse_export_spec(
            {
                "scope": "lots",
                "export_type": "datamatrix",
                "file_format": "png",
                "filters": {"serial_ids": []},
                "asset_config": {"dpii": 3},
            }
        )
    fields = {e.field for e in caught.value.errors}
    assert fields == {"asset_config.dpii"}
    with pytest.raises(InvalidExportSpec) as caught:
        parse_export_spec(
            {
                "scope": "lots",
                "export_type": "datamatrix",
                "file_format": "png",
                "filters": {"serial_ids": []},
            }
        )
    assert [e.field for e in caught.value.errors] == ["filters.serial_ids"]


def test_filter_lists_are_capped() -> None:
    with pytest.raises(InvalidExportSpec) as caught:
        parse_export_spec(
            {
                "scope": "lots",
                "export_type": "datamatrix",
                "file_format": "png",
                "filters": {"gtins": ["09506000134352"] * 10_001},
            }
        )
    assert caught.value.errors[0].field == "filters.gtins"

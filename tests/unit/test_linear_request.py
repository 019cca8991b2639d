"""What the request alone decides about 1D symbols is refused at submit (and, through the same
code, in the `failed` event of a request published to Kafka), each error naming its field:
`gs1_128_overflow` where no GS1-128 label is drawn, and filtered GTINs that the chosen EAN-13 or
UPC-A cannot carry. Whether a label's data exceeds 48 characters depends on the catalog, so
that is decided per item (tests/unit/rendering/test_gs1_128_capacity.py)."""

from __future__ import annotations

from typing import Any

import pytest

from labelkit.export_spec import InvalidExportSpec, parse_export_spec


def errors(body: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(InvalidExportSpec) as caught:
        parse_export_spec(body)
    return [(e.field, e.message) for e in caught.value.errors]


def body(export_type: str, file_format: str, **config: Any) -> dict[str, Any]:
    return {
        "scope": "serials",
        "export_type": export_type,
        "file_format": file_format,
        "asset_config": config,
    }


@pytest.mark.parametrize(
    ("export_type", "file_format", "config"),
    [
        ("barcodes_1d", "svg", {}),
        ("barcodes_1d", "eps", {"barcode_type": "gs1_128", "gs1_128_overflow": "refuse"}),
        ("barcodes_1d", "svg", {"barcode_type": "auto", "gs1_128_overflow": "split"}),
        ("codes_combined", "png", {"gs1_128_overflow": "split"}),
    ],
)
def test_the_overflow_choice_is_accepted_where_gs1_128_is_drawn(
    export_type: str, file_format: str, config: dict[str, Any]
) -> None:
    spec = parse_export_spec(body(export_type, file_format, **config))
    assert spec.asset_config.gs1_128_overflow == config.get("gs1_128_overflow")
    assert spec.request_data()["asset_config"] == config


def test_the_overflow_choice_is_refused_where_no_gs1_128_is_drawn() -> None:
    assert errors(body("datamatrix", "png", gs1_128_overflow="split")) == [
        (
            "asset_config.gs1_128_overflow",
            "only valid with export_type 'barcodes_1d' or 'codes_combined' "
            "(thermal labels print one GS1-128 symbol: longer data fails its label)",
        )
    ]
    assert errors(body("barcodes_1d", "svg", barcode_type="code128", gs1_128_overflow="refuse")) == [
        ("asset_config.gs1_128_overflow", "only valid with barcode_type 'auto' or 'gs1_128', not 'code128'")
    ]
    thermal = body("thermal_labels", "zpl", symbol="gs1_128", label_size_mm={"width": 200, "height": 40})
    parse_export_spec(thermal)
    thermal["asset_config"]["gs1_128_overflow"] = "refuse"
    assert [field for field, _ in errors(thermal)] == ["asset_config.gs1_128_overflow"]
    assert [field for field, _ in errors(body("barcodes_1d", "svg", gs1_128_overflow="twice"))] == [
        "asset_config.gs1_128_overflow"
    ]


def test_filtered_gtins_ean13_or_upca_cannot_carry_are_named_by_position() -> None:
    filters = {"gtins": ["00036000291452", "09506000134352", "10614141000415"]}
    ean = {**body("barcodes_1d", "svg", barcode_type="ean13"), "filters": filters}
    assert errors(ean) == [
        ("filters.gtins.2", "GTIN 10614141000415 cannot be carried by ean13: it needs 1 leading zero(s)")
    ]
    upca = {**body("codes_combined", "png", barcode_type="upca"), "filters": filters}
    assert [field for field, _ in errors(upca)] == ["filters.gtins.1", "filters.gtins.2"]
    # ITF-14 and the GS1-128 family carry any GTIN; other export types draw no 1D symbol.
    for config in ({"barcode_type": "itf14"}, {}):
        parse_export_spec({**body("barcodes_1d", "svg", **config), "filters": filters})
    parse_export_spec({**body("datamatrix", "png", barcode_type="ean13"), "filters": filters})

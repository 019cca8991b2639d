"""The planner's inline decision by estimated cost: ordinary small jobs stay inline (latency), a
small job of huge rasters does not (it would hold the planner for minutes)."""

from __future__ import annotations

from labelkit.export_spec import parse_export_spec
from render_service.planning.inline_cost import estimated_seconds
from render_service.settings import RenderSettings

BUDGET = RenderSettings.model_fields["render_inline_max_cpu_seconds"].default
MAX_ITEMS = RenderSettings.model_fields["render_inline_max_items"].default


def _spec(export_type: str, file_format: str, **asset_config: object) -> object:
    return parse_export_spec(
        {
            "scope": "serials",
            "export_type": export_type,
            "file_format": file_format,
            "asset_config": asset_config,
        }
    )


def test_a_default_datamatrix_job_of_the_inline_item_limit_stays_inline() -> None:
    assert estimated_seconds(_spec("datamatrix", "png"), items=MAX_ITEMS) <= BUDGET  # type: ignore[arg-type]


def test_default_combined_and_vector_jobs_of_the_inline_item_limit_stay_inline() -> None:
    for export_type, file_format in [
        ("codes_combined", "png"),
        ("codes_combined", "svg"),
        ("qr_codes", "svg"),
    ]:
        spec = _spec(export_type, file_format)
        assert estimated_seconds(spec, items=MAX_ITEMS) <= BUDGET, (export_type, file_format)  # type: ignore[arg-type]


def test_the_largest_rasters_go_through_the_chunk_path_even_for_a_few_hundred_items() -> None:
    spec = _spec(
        "codes_combined", "png", dpi=1500, module_mm=0.52, quiet_zone_modules=100, gs1_128_overflow="refuse"
    )
    # The costliest settings submit accepts (113 Mpx a label); 53 items/CPU-s measured at 118 Mpx.
    # Long GS1-128 data is refused: split in two symbols, the 1D file would be over the cap.
    assert estimated_seconds(spec, items=5_000) > 60  # type: ignore[arg-type]
    assert estimated_seconds(spec, items=200) > BUDGET  # type: ignore[arg-type]


def test_cost_grows_with_items_and_pixels() -> None:
    small, big = _spec("qr_codes", "png"), _spec("qr_codes", "png", dpi=1200, module_mm=1.0)
    assert estimated_seconds(small, items=10) < estimated_seconds(small, items=1_000)  # type: ignore[arg-type]
    assert estimated_seconds(small, items=100) < estimated_seconds(big, items=100)  # type: ignore[arg-type]
    assert estimated_seconds(small, items=0) == 0  # type: ignore[arg-type]

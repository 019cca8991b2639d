from __future__ import annotations

import uuid

from labelkit.export_spec import parse_export_spec
from render_service.adapters.snapshot_query import snapshot_query
from render_service.artifacts import output_filename
from render_service.planning.chunking import chunk_bounds


def test_chunk_bounds_cover_every_item_once() -> None:
    assert chunk_bounds(0, 10) == [(0, 0)]
    assert chunk_bounds(25, 10) == [(0, 9), (9, 18), (18, 25)]  # three chunks, as even as can be
    assert chunk_bounds(10, 10) == [(0, 10)]


def test_chunks_spread_evenly_over_partitions_and_align_to_pages() -> None:
    bounds = chunk_bounds(100_000, 20_000, spread=4)  # 5 chunks would leave one replica a 3rd
    assert len(bounds) == 8 and {end - first for first, end in bounds} == {12_500}
    assert chunk_bounds(500, 1000, spread=4) == [(0, 500)]  # one chunk stays one chunk
    pages = chunk_bounds(2000, 1000, align=63, spread=4)
    assert all(first % 63 == 0 for first, _ in pages) and pages[-1][1] == 2000
    covered = [i for first, end in chunk_bounds(99_999, 7_000, align=7, spread=3) for i in range(first, end)]
    assert covered == list(range(99_999))


def test_snapshot_query_binds_every_value() -> None:
    lot = uuid.uuid4()
    spec = parse_export_spec(
        {
            "scope": "serials",
            "export_type": "datamatrix",
            "file_format": "png",
            "filters": {
                "gtins": ["09506000134352"],
                "lot_ids": [str(lot)],
                "never_printed": True,
                "expiry_from": "2027-01-01",
            },
        }
    )
    org = uuid.uuid4()
    sql, args = snapshot_query(spec, org)
    assert args[0] == org and ["09506000134352"] in args and [lot] in args
    assert "09506000134352" not in sql and str(lot) not in sql
    assert "ORDER BY s.seq" in sql and "s.is_active" in sql and "print_history" in sql


def test_artifact_names_follow_the_spec() -> None:
    assert (
        output_filename(
            job_id="AbCdEf", export_type="datamatrix", file_format="png", scope="lots", total_items=42
        )
        == "datamatrix-lots-AbCd-42.zip"
    )
    assert (
        output_filename(
            job_id="AbCdEf", export_type="sheet_pdf", file_format="pdf", scope="serials", total_items=42
        )
        == "sheet-AbCd-42.pdf"
    )

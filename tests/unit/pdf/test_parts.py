"""Parts rendered apart join into the very document a single part makes; the assembler refuses
parts that do not form one document; memory stays flat with the label count."""

from __future__ import annotations

import io
import json
import subprocess
import tracemalloc
from pathlib import Path
from typing import BinaryIO

import pytest
import zxingcpp

from labelkit.rendering.model import BitMatrix, LabelItem
from labelkit.rendering.pdf import (
    BUILTIN_TEMPLATES,
    HEADER,
    EmptyDocument,
    PartInfo,
    PartsMismatch,
    SheetStyle,
    first_object_for,
    join_pdf_parts,
    page_aligned_chunks,
    render_sheet_part,
    render_sheet_pdf,
    write_trailer,
)
from tests.support.readers import (
    needs_pdf_tools,
    qpdf_check,
)
from tests.unit.pdf.helpers import (
    awkward_items,
    decode_cells,
    gs1_datamatrix,
    hri_lines,
)

TEMPLATE = BUILTIN_TEMPLATES["65up_38.1x21.2mm_a4"]
PER_PAGE = TEMPLATE.labels_per_page
STYLE = SheetStyle(module_mm=0.5)


def _part(first: int, count: int) -> tuple[PartInfo, bytes]:
    sink = io.BytesIO()
    info = render_sheet_part(
        list(awkward_items(count, start=first)),
        TEMPLATE,
        gs1_datamatrix,
        hri_lines,
        first_label_index=first,
        sink=sink,
        style=STYLE,
    )
    assert info.length == len(sink.getvalue())
    return info, sink.getvalue()


@pytest.fixture(scope="module")
def parts() -> list[tuple[PartInfo, bytes]]:
    total = 3 * PER_PAGE + 11  # three full pages, one partial: four one-page parts
    made = [_part(first, count) for first, count in page_aligned_chunks(total, PER_PAGE, PER_PAGE)]
    assert [info.label_count for info, _ in made] == [PER_PAGE, PER_PAGE, PER_PAGE, 11]
    return made


def test_chunks_are_page_aligned() -> None:
    assert list(page_aligned_chunks(206, 65, 66)) == [(0, 130), (130, 76)]
    assert list(page_aligned_chunks(10, 65, 1)) == [(0, 10)]
    assert list(page_aligned_chunks(0, 65, 100)) == []


def test_object_numbers_follow_pages() -> None:
    assert first_object_for(0, 65) == 4
    assert first_object_for(130, 65) == 8
    with pytest.raises(ValueError, match="page boundary"):
        first_object_for(64, 65)


@needs_pdf_tools
def test_assembled_parts_equal_the_single_part_document(
    parts: list[tuple[PartInfo, bytes]], tmp_path: Path
) -> None:
    total = sum(info.label_count for info, _ in parts)
    single = io.BytesIO()
    render_sheet_pdf(
        list(awkward_items(total)), TEMPLATE, gs1_datamatrix, hri_lines, sink=single, style=STYLE
    )
    joined = io.BytesIO()
    shuffled: list[tuple[PartInfo, bytes | BinaryIO]] = [
        parts[3],
        parts[2],
        parts[0],
        (parts[1][0], io.BytesIO(parts[1][1])),
    ]
    size = join_pdf_parts(shuffled, joined)
    assert size == len(joined.getvalue())
    assert joined.getvalue() == single.getvalue()  # byte for byte: no renumbering anywhere
    path = tmp_path / "joined.pdf"
    path.write_bytes(joined.getvalue())
    qpdf_check(path)
    pages = subprocess.run(["qpdf", "--show-npages", str(path)], capture_output=True, text=True, check=True)
    assert int(pages.stdout) == 4
    decoded = decode_cells(path, TEMPLATE, total, zxingcpp.BarcodeFormat.DataMatrix)
    assert decoded == [("".join(hri_lines(item)), "]d2") for item in awkward_items(total)]


def test_header_may_travel_with_the_first_part(parts: list[tuple[PartInfo, bytes]]) -> None:
    """The chunk-0 worker writes HEADER + its part as one object; the rest is concatenation."""
    expected = io.BytesIO()
    join_pdf_parts(parts, expected)
    joined = io.BytesIO()
    joined.write(HEADER)
    for _, data in parts:
        joined.write(data)
    write_trailer([info for info, _ in parts], joined)
    assert joined.getvalue() == expected.getvalue()


def test_part_info_round_trips_through_json(parts: list[tuple[PartInfo, bytes]]) -> None:
    for info, _ in parts:
        again = PartInfo.from_json(json.loads(json.dumps(info.to_json())))
        assert again == info
    with pytest.raises(ValueError, match="offsets"):
        PartInfo.from_json({**parts[0][0].to_json(), "offsets": ["1"]})


@pytest.mark.parametrize(
    ("pick", "message"),
    [
        (lambda p: [p[0], p[2]], "gap or overlap"),
        (lambda p: [p[1], p[2]], "expected a part starting at label 0"),
        (lambda p: [p[0], p[0], p[1], p[2]], "gap or overlap"),
    ],
)
def test_parts_that_do_not_join_are_refused(
    parts: list[tuple[PartInfo, bytes]], pick: object, message: str
) -> None:
    infos = [info for info, _ in parts]
    with pytest.raises(PartsMismatch, match=message):
        write_trailer(pick(infos), io.BytesIO())  # type: ignore[operator]


def test_a_partial_page_in_the_middle_is_refused() -> None:
    with pytest.raises(ValueError, match="page boundary"):
        _part(10, 5)
    first, tail = _part(0, 10)[0], _part(PER_PAGE, 3)[0]
    with pytest.raises(PartsMismatch, match="partly filled page, which only the last part may do"):
        write_trailer([first, tail], io.BytesIO())
    claims_more = PartInfo(0, PER_PAGE + 10, PER_PAGE, 4, first.length, first.offsets, first.page_objects)
    with pytest.raises(PartsMismatch, match="1 pages and 2 objects for 75 labels"):
        write_trailer([claims_more], io.BytesIO())


def test_wrong_length_and_foreign_numbering_are_refused(parts: list[tuple[PartInfo, bytes]]) -> None:
    info, data = parts[0]
    with pytest.raises(PartsMismatch, match="its record says"):
        join_pdf_parts([(info, data[:-1])], io.BytesIO())
    moved = PartInfo(
        info.first_label_index,
        info.label_count,
        info.labels_per_page,
        40,
        info.length,
        info.offsets,
        info.page_objects,
    )
    with pytest.raises(PartsMismatch, match="numbered from object 40"):
        write_trailer([moved], io.BytesIO())
    other = PartInfo(
        info.first_label_index,
        info.label_count,
        30,
        info.first_object,
        info.length,
        info.offsets,
        info.page_objects,
    )
    with pytest.raises(PartsMismatch):
        write_trailer([other, parts[1][0]], io.BytesIO())


def test_empty_parts_make_no_document() -> None:
    empty = _part(0, 0)[0]
    assert empty.page_count == 0 and empty.length == 0
    with pytest.raises(EmptyDocument):
        write_trailer([empty], io.BytesIO())
    with pytest.raises(EmptyDocument):
        write_trailer([], io.BytesIO())


def test_on_page_reports_progress() -> None:
    seen: list[int] = []
    render_sheet_part(
        list(awkward_items(PER_PAGE + 2)),
        TEMPLATE,
        gs1_datamatrix,
        hri_lines,
        first_label_index=0,
        sink=io.BytesIO(),
        style=STYLE,
        on_page=seen.append,
    )
    assert seen == [PER_PAGE, PER_PAGE + 2]


class _CountingSink:
    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes, /) -> int:
        self.size += len(data)
        return len(data)


def _peak_bytes(labels: int) -> int:
    matrix = gs1_datamatrix(next(awkward_items(1)))
    lines = ["(01)09506000134352", "(17)261231", "(10)LOT-42", "(21)SERIAL0000001"]

    def items() -> object:
        for i in range(labels):
            yield LabelItem(str(i), "09506000134352", "LOT-42")

    def symbol(_: LabelItem) -> BitMatrix:
        return matrix

    tracemalloc.start()
    try:
        render_sheet_pdf(
            items(),
            TEMPLATE,
            symbol,
            lambda _: lines,
            sink=_CountingSink(),  # type: ignore[arg-type]
            style=STYLE,
        )
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_label_count() -> None:
    small, large = _peak_bytes(1_000), _peak_bytes(10_000)
    # 10× the labels: only the 8-byte offsets of ~140 more objects and a longer Kids list may grow.
    assert large < small + 32_000, (small, large)

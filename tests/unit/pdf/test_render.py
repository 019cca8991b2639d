"""Whole sheets through real PDF tools: qpdf checks them, poppler renders them at 300 dpi, and
zxing-cpp decodes every symbol from its cell; pdftotext finds every HRI line, in order."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp

from labelkit.rendering.model import LabelItem
from labelkit.rendering.pdf import (
    BUILTIN_TEMPLATES,
    EmptyDocument,
    LabelDoesNotFit,
    SheetStyle,
    parse_template,
    render_sheet_pdf,
)
from tests.support.readers import (
    needs_pdf_tools,
    qpdf_check,
)
from tests.support.readers import (
    pdf_page_texts as page_texts,
)
from tests.unit.pdf.helpers import (
    awkward_items,
    decode_cells,
    digital_link,
    gs1_datamatrix,
    hri_lines,
    qr_code,
)

# Module sizes that let the longest awkward data fit each template (see test_layout for the rule).
MODULE_MM = {
    "63up_1in_letter": 0.4,
    "30up_1x2.625in_letter": 0.5,
    "80up_0.5x1.75in_letter": 0.3,
    "24up_70x37mm_a4": 0.5,
    "65up_38.1x21.2mm_a4": 0.5,
}


def _check_text(path: Path, items: list[LabelItem], per_page: int) -> None:
    pages = page_texts(path)
    assert len(pages) == -(-len(items) // per_page)
    for number, text in enumerate(pages):
        at = 0
        for item in items[number * per_page : (number + 1) * per_page]:
            for line in hri_lines(item):
                found = text.find(line, at)
                assert found >= 0, f"page {number + 1}: {line!r} missing after offset {at}"
                at = found + len(line)
                # whole words: pdftotext may join lines of neighbouring labels, with a space
                assert found == 0 or text[found - 1].isspace(), (line, text[found - 1])
                assert text[at].isspace(), (line, text[at])


@needs_pdf_tools
@pytest.mark.parametrize("name", sorted(MODULE_MM))
def test_gs1_datamatrix_sheet_decodes_cell_by_cell(name: str, tmp_path: Path) -> None:
    template = BUILTIN_TEMPLATES[name]
    items = list(awkward_items(template.labels_per_page + 7))  # one full page, one partial
    path = tmp_path / "sheet.pdf"
    with path.open("wb") as out:
        size = render_sheet_pdf(
            items,
            template,
            gs1_datamatrix,
            hri_lines,
            sink=out,
            style=SheetStyle(module_mm=MODULE_MM[name], quiet_zone_modules=2),
        )
    assert size == path.stat().st_size
    qpdf_check(path)
    decoded = decode_cells(path, template, len(items), zxingcpp.BarcodeFormat.DataMatrix)
    assert decoded == [("".join(hri_lines(item)), "]d2") for item in items]
    _check_text(path, items, template.labels_per_page)


@needs_pdf_tools
def test_qr_sheet_with_awkward_hri_text(tmp_path: Path) -> None:
    template = parse_template(
        {
            "page_width_mm": 210,
            "page_height_mm": 148,
            "columns": 3,
            "rows": 3,
            "label_width_mm": 60,
            "label_height_mm": 40,
            "pitch_x_mm": 65,
            "pitch_y_mm": 45,
        }
    )
    items = [
        LabelItem(f"q{i}", "09506000134352", lot, None, serial)
        for i, (lot, serial) in enumerate(
            [("A(B)C", "x)("), ("((", None), ("\\back\\", "é€"), ("plain", "1")]
        )
    ]
    path = tmp_path / "qr.pdf"
    with path.open("wb") as out:
        render_sheet_pdf(
            items,
            template,
            qr_code,
            hri_lines,
            sink=out,
            style=SheetStyle(module_mm=0.5, quiet_zone_modules=4),
        )
    qpdf_check(path)
    decoded = decode_cells(path, template, len(items), zxingcpp.BarcodeFormat.QRCode)
    assert decoded == [(digital_link(item), "]Q1") for item in items]
    _check_text(path, items, template.labels_per_page)


@needs_pdf_tools
def test_without_human_readable_text(tmp_path: Path) -> None:
    template = BUILTIN_TEMPLATES["80up_0.5x1.75in_letter"]
    items = list(awkward_items(9))
    path = tmp_path / "bare.pdf"
    with path.open("wb") as out:
        render_sheet_pdf(
            items,
            template,
            gs1_datamatrix,
            hri_lines,
            sink=out,
            style=SheetStyle(module_mm=0.3, human_readable=False),
        )
    qpdf_check(path)
    assert page_texts(path) == [""]
    decoded = decode_cells(path, template, len(items), zxingcpp.BarcodeFormat.DataMatrix)
    assert [text for text, _ in decoded] == ["".join(hri_lines(item)) for item in items]


def test_a_label_that_does_not_fit_is_named(tmp_path: Path) -> None:
    items = list(awkward_items(3))
    with (
        (tmp_path / "x.pdf").open("wb") as out,
        pytest.raises(LabelDoesNotFit, match=r"label 0 \(entity e0\)"),
    ):
        render_sheet_pdf(
            items,
            BUILTIN_TEMPLATES["63up_1in_letter"],
            gs1_datamatrix,
            hri_lines,
            sink=out,
            style=SheetStyle(module_mm=0.5),
        )


def test_no_items_is_an_error(tmp_path: Path) -> None:
    with (tmp_path / "x.pdf").open("wb") as out, pytest.raises(EmptyDocument):
        render_sheet_pdf([], BUILTIN_TEMPLATES["63up_1in_letter"], gs1_datamatrix, hri_lines, sink=out)


@needs_pdf_tools
def test_with_the_project_gs1_and_datamatrix_modules(tmp_path: Path) -> None:
    """The real pipeline: labelkit.gs1 element strings and HRI lines, libdmtx symbols with FNC1."""
    from labelkit.gs1 import GS1Data, element_string, hri
    from labelkit.gs1 import hri_lines as gs1_hri_lines
    from labelkit.rendering.symbols.datamatrix import encode_datamatrix

    def data(item: LabelItem) -> GS1Data:
        return GS1Data.create(gtin=item.gtin, lot=item.lot, serial=item.serial, expiry=item.expiry)

    items = [
        LabelItem("a", "09506000134352", "A(10)B", None, "x)("),
        *awkward_items(BUILTIN_TEMPLATES["63up_1in_letter"].labels_per_page - 3),
    ]
    template = BUILTIN_TEMPLATES["63up_1in_letter"]
    path = tmp_path / "gs1.pdf"
    with path.open("wb") as out:
        render_sheet_pdf(
            items,
            template,
            lambda item: encode_datamatrix(element_string(data(item)), gs1=True),
            lambda item: gs1_hri_lines(data(item)),
            sink=out,
            style=SheetStyle(module_mm=0.4),
        )
    qpdf_check(path)
    decoded = decode_cells(path, template, len(items), zxingcpp.BarcodeFormat.DataMatrix)
    assert decoded == [(hri(data(item)), "]d2") for item in items]
    text = page_texts(path)[0]
    assert "(10)A(10)B\n(21)x)(\n" in text

"""The `sheet_pdf` renderer: labels, in order, into the cells of a multi-up sheet template.

`render_sheet_part` renders one chunk of a job as a part (see `parts`); `render_sheet_pdf`
renders a whole document, which is the same path with a single part between header and trailer.
Both stream: a page is written as soon as its last cell is filled, and items are consumed
one at a time, so any iterable (a generator over a snapshot) will do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from labelkit.rendering.model import BitMatrix, LabelItem
from labelkit.rendering.pdf.assembler import HEADER, write_trailer
from labelkit.rendering.pdf.content import symbol_ops, text_ops
from labelkit.rendering.pdf.numbering import PartInfo, first_object_for
from labelkit.rendering.pdf.syntax import Sink
from labelkit.rendering.pdf.writer import PartWriter
from labelkit.sheets import helvetica
from labelkit.sheets.layout import DEFAULT_LAYOUT, CellLayout, LabelDoesNotFit, LayoutOptions
from labelkit.sheets.templates import PT_PER_MM, SheetTemplate

SymbolFor = Callable[[LabelItem], BitMatrix]
HriLinesFor = Callable[[LabelItem], Sequence[str]]
#: Called after each page with the number of labels of the part written so far (progress,
#: cancellation: raising from it stops the part).
OnPage = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class SheetStyle:
    """The renderer knobs of `asset_config` that matter for a sheet, plus layout details."""

    module_mm: float = 0.5
    quiet_zone_modules: int = 2
    human_readable: bool = True
    layout: LayoutOptions = DEFAULT_LAYOUT
    compress_level: int = 6

    def __post_init__(self) -> None:
        if not self.module_mm > 0:
            raise ValueError("module_mm must be greater than 0")
        if self.quiet_zone_modules < 0:
            raise ValueError("quiet_zone_modules must not be negative")


def render_sheet_part(
    items: Iterable[LabelItem],
    template: SheetTemplate,
    symbol_for: SymbolFor,
    hri_lines_for: HriLinesFor,
    *,
    first_label_index: int,
    sink: Sink,
    style: SheetStyle = SheetStyle(),
    on_page: OnPage | None = None,
) -> PartInfo:
    """Render `items` (the job's labels from `first_label_index` on, in order) as one part.

    `first_label_index` must be a multiple of the template's labels per page. Only the last
    part of a document may end on a partly filled page. Raises LabelDoesNotFit naming the
    label when a symbol (or its text) cannot be placed; exceptions of the callables propagate.
    """
    per_page = template.labels_per_page
    writer = PartWriter(
        sink, first_object_for(first_label_index, per_page), template.page_size_pt, style.compress_level
    )
    cells = CellLayout(template, style.layout)
    origins = [template.cell_origin_pt(slot) for slot in range(per_page)]
    module_pt = style.module_mm * PT_PER_MM
    quiet_pt = style.quiet_zone_modules * module_pt
    quiet_2 = 2 * style.quiet_zone_modules
    ops: list[str] = []
    count = 0
    for item in items:
        matrix = symbol_for(item)
        lines = [helvetica.encode(line) for line in hri_lines_for(item)] if style.human_readable else []
        try:
            place = cells.place(
                (matrix.width + quiet_2) * module_pt,
                (matrix.height + quiet_2) * module_pt,
                [helvetica.width_em(line) for line in lines],
            )
        except LabelDoesNotFit as exc:
            raise LabelDoesNotFit(
                f"label {first_label_index + count} (entity {item.entity_id}): {exc}"
            ) from None
        cell_x, cell_y = origins[count % per_page]
        ops.append(
            symbol_ops(
                matrix, cell_x + place.symbol_x + quiet_pt, cell_y + place.symbol_y + quiet_pt, module_pt
            )
        )
        if lines:
            ops.append(text_ops(lines, cell_x + place.text_x, cell_y + place.baseline_y, place.font_pt))
        count += 1
        if count % per_page == 0:
            writer.add_page("".join(ops).encode("latin-1"))
            ops.clear()
            if on_page is not None:
                on_page(count)
    if ops:
        writer.add_page("".join(ops).encode("latin-1"))
        if on_page is not None:
            on_page(count)
    return writer.finish(first_label_index, count, per_page)


def render_sheet_pdf(
    items: Iterable[LabelItem],
    template: SheetTemplate,
    symbol_for: SymbolFor,
    hri_lines_for: HriLinesFor,
    *,
    sink: Sink,
    style: SheetStyle = SheetStyle(),
    on_page: OnPage | None = None,
) -> int:
    """A complete one-part sheet document written to `sink`; returns its size in bytes.
    Raises EmptyDocument (before the trailer) when there are no items."""
    sink.write(HEADER)
    part = render_sheet_part(
        items,
        template,
        symbol_for,
        hri_lines_for,
        first_label_index=0,
        sink=sink,
        style=style,
        on_page=on_page,
    )
    return len(HEADER) + part.length + write_trailer([part], sink)
